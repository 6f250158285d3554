/**
 * A small dependency-free SVG line chart: axes, "nice" ticks, grid, axis labels, title and a
 * legend. Enough to look at a loss curve in a browser; not a plotting library.
 */

export interface Series {
  name: string;
  points: ReadonlyArray<readonly [number, number]>;
  color?: string;
  /** Draw a marker at each point (for sparse series). */
  markers?: boolean;
  /** A dashed line (matplotlib's ':' and '--' styles). */
  dashed?: boolean;
}

export interface LineChartOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  series: Series[];
  width?: number;
  height?: number;
  /** Draw the legend (default true); matplotlib draws none unless asked. */
  legend?: boolean;
}

const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd'];

export function escapeXml(s: string): string {
  return s.replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c]!);
}

/** Tick positions covering [lo, hi] at a step of 1, 2 or 5 times a power of ten. */
export function niceTicks(lo: number, hi: number, target = 6): number[] {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return [];
  if (hi === lo) {
    const pad = lo === 0 ? 1 : Math.abs(lo) * 0.1;
    lo -= pad;
    hi += pad;
  }
  const raw = (hi - lo) / Math.max(1, target);
  const mag = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const first = Math.floor(lo / step) * step;
  const ticks: number[] = [];
  for (let t = first; t <= hi + step * 1e-9; t += step) ticks.push(Number(t.toPrecision(12)));
  if (ticks[ticks.length - 1] < hi) ticks.push(Number((ticks[ticks.length - 1] + step).toPrecision(12)));
  return ticks;
}

function formatTick(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e5 || a < 1e-3) return v.toExponential(1);
  if (Number.isInteger(v)) return a >= 1e4 ? `${v / 1000}k` : String(v);
  return String(Number(v.toPrecision(4)));
}

export function lineChartSvg(opts: LineChartOptions): string {
  const width = opts.width ?? 800;
  const height = opts.height ?? 480;
  const margin = { left: 70, right: 20, top: 44, bottom: 56 };
  const plotW = width - margin.left - margin.right;
  const plotH = height - margin.top - margin.bottom;

  const all = opts.series.flatMap((s) => s.points).filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
  const xs = all.map((p) => p[0]);
  const ys = all.map((p) => p[1]);
  const xTicks = all.length ? niceTicks(Math.min(0, ...xs), Math.max(...xs)) : [0, 1];
  const yTicks = all.length ? niceTicks(Math.min(...ys), Math.max(...ys), 5) : [0, 1];
  const x0 = xTicks[0], x1 = xTicks[xTicks.length - 1];
  const y0 = yTicks[0], y1 = yTicks[yTicks.length - 1];
  const sx = (x: number) => margin.left + ((x - x0) / (x1 - x0 || 1)) * plotW;
  const sy = (y: number) => margin.top + plotH - ((y - y0) / (y1 - y0 || 1)) * plotH;
  const f = (v: number) => v.toFixed(1);

  const out: string[] = [];
  out.push('<?xml version="1.0" encoding="UTF-8"?>');
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
  );
  out.push(`<title>${escapeXml(opts.title)}</title>`);
  out.push(`<rect x="0" y="0" width="${width}" height="${height}" fill="white"/>`);
  out.push(`<text x="${f(width / 2)}" y="24" text-anchor="middle" font-size="16" font-weight="bold">${escapeXml(opts.title)}</text>`);

  out.push('<g class="grid" stroke="#e0e0e0" stroke-width="1">');
  for (const t of xTicks) out.push(`<line x1="${f(sx(t))}" y1="${margin.top}" x2="${f(sx(t))}" y2="${margin.top + plotH}"/>`);
  for (const t of yTicks) out.push(`<line x1="${margin.left}" y1="${f(sy(t))}" x2="${margin.left + plotW}" y2="${f(sy(t))}"/>`);
  out.push('</g>');

  out.push('<g class="axes" stroke="black" stroke-width="1">');
  out.push(`<line x1="${margin.left}" y1="${margin.top + plotH}" x2="${margin.left + plotW}" y2="${margin.top + plotH}"/>`);
  out.push(`<line x1="${margin.left}" y1="${margin.top}" x2="${margin.left}" y2="${margin.top + plotH}"/>`);
  for (const t of xTicks) out.push(`<line x1="${f(sx(t))}" y1="${margin.top + plotH}" x2="${f(sx(t))}" y2="${margin.top + plotH + 5}"/>`);
  for (const t of yTicks) out.push(`<line x1="${margin.left - 5}" y1="${f(sy(t))}" x2="${margin.left}" y2="${f(sy(t))}"/>`);
  out.push('</g>');

  out.push('<g class="tick-labels" fill="black">');
  for (const t of xTicks) {
    out.push(`<text x="${f(sx(t))}" y="${margin.top + plotH + 19}" text-anchor="middle">${escapeXml(formatTick(t))}</text>`);
  }
  for (const t of yTicks) {
    out.push(`<text x="${margin.left - 8}" y="${f(sy(t) + 4)}" text-anchor="end">${escapeXml(formatTick(t))}</text>`);
  }
  out.push('</g>');

  out.push(`<text x="${f(margin.left + plotW / 2)}" y="${height - 14}" text-anchor="middle" font-size="13">${escapeXml(opts.xLabel)}</text>`);
  out.push(
    `<text x="18" y="${f(margin.top + plotH / 2)}" text-anchor="middle" font-size="13" transform="rotate(-90 18 ${f(margin.top + plotH / 2)})">${escapeXml(opts.yLabel)}</text>`,
  );

  opts.series.forEach((s, i) => {
    const color = s.color ?? PALETTE[i % PALETTE.length];
    const pts = s.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
    if (pts.length === 0) return;
    const d = pts.map(([x, y], k) => `${k === 0 ? 'M' : 'L'}${f(sx(x))},${f(sy(y))}`).join(' ');
    out.push(`<path class="series" d="${d}" fill="none" stroke="${color}" stroke-width="1.5"${s.dashed ? ' stroke-dasharray="4 3"' : ''}><title>${escapeXml(s.name)}</title></path>`);
    if (s.markers || pts.length === 1) {
      out.push(`<g fill="${color}">`);
      for (const [x, y] of pts) out.push(`<circle cx="${f(sx(x))}" cy="${f(sy(y))}" r="3"/>`);
      out.push('</g>');
    }
  });

  // Legend, top right inside the plot area.
  const named = opts.legend === false ? [] : opts.series.filter((s) => s.points.length > 0);
  named.forEach((s, i) => {
    const color = s.color ?? PALETTE[opts.series.indexOf(s) % PALETTE.length];
    const y = margin.top + 14 + i * 18;
    const x = margin.left + plotW - 190;
    out.push(`<line x1="${x}" y1="${y - 4}" x2="${x + 24}" y2="${y - 4}" stroke="${color}" stroke-width="2"/>`);
    out.push(`<text x="${x + 30}" y="${y}">${escapeXml(s.name)}</text>`);
  });

  out.push('</svg>');
  return out.join('\n') + '\n';
}
