/**
 * The wasm backend asks V8 for a full collection after every so many bytes of blocks left to
 * the collector (src/backend/wasm-memory.ts). A full collection marks the whole JS heap, so
 * with a large heap the interval grows to twice the heap's old generation (up to 512 MB):
 * otherwise a program holding 137 MB of JS objects trained the seed Net at batch 64 4x slower.
 * The heap is the process's own, so each case runs in a fresh node process over dist/.
 */
import path from 'path';
import { execFileSync } from 'child_process';
import { nudgeIntervalBytes } from '../src/backend/wasm-memory';

const MB = 2 ** 20;

test('the interval: 64 MB, or twice the old generation, at most 512 MB', () => {
  expect(nudgeIntervalBytes(0)).toBe(64 * MB);
  expect(nudgeIntervalBytes(20 * MB)).toBe(64 * MB);
  expect(nudgeIntervalBytes(32 * MB)).toBe(64 * MB);
  expect(nudgeIntervalBytes(50 * MB)).toBe(100 * MB);
  expect(nudgeIntervalBytes(256 * MB)).toBe(512 * MB);
  expect(nudgeIntervalBytes(4096 * MB)).toBe(512 * MB);
});

/**
 * In a fresh process holding `objects` small JS objects: 100 kernel outputs of 1 MB left to the
 * collector (one collection asked for after the first 64 MB), then the interval and the old
 * generation's size.
 */
function run(objects: number): { nudges: number; every: number; oldHeap: number } {
  const script = `
    const t = require('./dist/src');
    const v8 = require('v8');
    t.setBackend('wasm');
    globalThis.keep = Array.from({ length: ${objects} }, (_, i) => ({ i, a: [i] }));
    const x = t.randn(512, 512);
    const n0 = t.wasmResidentStats().nudges;
    for (let i = 0; i < 100; i++) x.relu();
    const s = t.wasmResidentStats();
    const oldHeap = v8.getHeapSpaceStatistics().filter((sp) => !sp.space_name.startsWith('new_')).reduce((a, sp) => a + sp.space_used_size, 0);
    console.log(JSON.stringify({ nudges: s.nudges - n0, every: s.nudgeEveryBytes, oldHeap }));`;
  const out = execFileSync(process.execPath, ['-e', script], { cwd: path.join(__dirname, '..'), encoding: 'utf8' });
  return JSON.parse(out.trim().split('\n').pop()!);
}

test('a small heap keeps 64 MB; a heap of ~100 MB of objects doubles into the interval', () => {
  const small = run(0);
  expect(small.nudges).toBe(1);
  expect(small.every).toBe(64 * MB);
  const large = run(1_500_000);
  expect(large.nudges).toBe(1);
  expect(large.oldHeap).toBeGreaterThan(60 * MB);
  // Read when the collection was asked for (before it ran): within 25 % of twice the heap now.
  expect(large.every).toBeGreaterThan(1.5 * large.oldHeap);
  expect(large.every).toBeLessThan(2.5 * large.oldHeap);
}, 60000);
