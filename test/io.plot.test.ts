import { lineChartSvg, niceTicks, escapeXml } from '../src/io/plot';

test('nice ticks cover the range at 1-2-5 steps', () => {
  expect(niceTicks(0, 1000)).toEqual([0, 200, 400, 600, 800, 1000]);
  expect(niceTicks(0.38, 2.31, 5)).toEqual([0, 0.5, 1, 1.5, 2, 2.5]);
  expect(niceTicks(2.3, 2.3)).toEqual(expect.arrayContaining([2.3]));
  const t = niceTicks(0, 15000);
  expect(t[0]).toBe(0);
  expect(t[t.length - 1]).toBeGreaterThanOrEqual(15000);
});

test('the chart has axes, ticks, labels, title, legend and one path per series', () => {
  const svg = lineChartSvg({
    title: 'Loss <train & "test">',
    xLabel: 'step',
    yLabel: 'loss',
    series: [
      { name: 'fine', points: [[100, 2.3], [200, 2.1], [300, 1.5]] },
      { name: 'coarse', points: [[300, 1.9]], markers: true },
      { name: 'empty', points: [] },
    ],
  });
  expect(svg.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
  expect(svg).toContain('<title>Loss &lt;train &amp; &quot;test&quot;&gt;</title>');
  expect(svg).not.toContain('<train');
  expect(svg.match(/<path class="series"/g)).toHaveLength(2);
  expect(svg).toContain('>step</text>');
  expect(svg).toContain('>loss</text>');
  expect(svg).toMatch(/<text [^>]*text-anchor="end">2\.4<\/text>/);
  expect(svg).toMatch(/<text [^>]*text-anchor="end">1\.4<\/text>/);
  expect(svg).toMatch(/<text [^>]*text-anchor="middle">300<\/text>/);
  expect(svg).toContain('<circle');
  expect(svg).not.toMatch(/NaN|undefined|Infinity/);
  expect(escapeXml(`a<b>&'"`)).toBe('a&lt;b&gt;&amp;&apos;&quot;');
});

test('an empty chart is still a valid document', () => {
  const svg = lineChartSvg({ title: 't', xLabel: 'x', yLabel: 'y', series: [{ name: 's', points: [] }] });
  expect(svg).toContain('</svg>');
  expect(svg).not.toMatch(/NaN|undefined|Infinity/);
});
