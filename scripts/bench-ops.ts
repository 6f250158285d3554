/**
 * `npm run bench:ops`: the fixed cost of one small op, piece by piece (issue 12's per-op
 * overhead), on the current backend (TORCHLET_BACKEND, default wasm):
 *
 *   - forward of one op on 0-d tensors, without and with graph recording (dispatch, checks,
 *     promotion, output allocation, the Tensor, the tape node);
 *   - the same ops on 2,000 elements (what the elementwise loops and their allocation add);
 *   - backward per node (a chain of 0-d muls), the optimizer step and zeroGrad per parameter;
 *   - the tutorial's dynamic_net step (scripts/lib/zoo-models.ts) split into its parts.
 *
 * Times are CPU time (user + system) of this process, the best of several runs: the machine
 * may be shared, and the best run is the one least disturbed. No PyTorch here: `npm run bench
 * -- --zoo --models dynamic-net` puts the loop beside PyTorch.
 */
import { Tensor } from '../src/tensor';
import { randn, zeros } from '../src/creation';
import { linspace } from '../src/creation-more';
import { sin } from '../src/ops';
import { noGrad } from '../src/autograd';
import { SGD } from '../src/optim';
import { manualSeed } from '../src/random';
import { getBackend } from '../src/backend';

import { parseScriptFlags } from './lib/script-flags';

const USAGE = `Usage: npm run bench:ops [-- --quick]

Measures the fixed cost of one small op, by CPU time (best of 7 runs, 3 with --quick), on the
backend TORCHLET_BACKEND names (wasm by default): forward of add, mul, pow, sum on 0-d tensors
and on 2,000 elements, without and with graph recording; backward per node (a chain of 0-d
muls); SGD's step and zeroGrad per parameter; the tutorial's dynamic_net step split into its
forward, backward and optimizer step. No PyTorch here (\`npm run bench -- --zoo --models
dynamic-net\` puts that loop beside PyTorch).

  --quick   fewer runs and calls (about 4x faster, noisier)
  --help    this text
`;
const quick = parseScriptFlags('bench-ops', USAGE, { quick: 'boolean' }).quick === true;
const RUNS = quick ? 3 : 7;

/** Best CPU ns per call of fn over RUNS runs of `calls` calls. */
function nsPerCall(fn: () => unknown, calls: number): number {
  for (let i = 0; i < Math.min(calls, 2000); i++) fn();
  let best = Infinity;
  for (let r = 0; r < RUNS; r++) {
    const c0 = process.cpuUsage();
    for (let i = 0; i < calls; i++) fn();
    const c = process.cpuUsage(c0);
    best = Math.min(best, ((c.user + c.system) * 1000) / calls);
  }
  return best;
}

const rows: Array<[string, string]> = [];
const line = (what: string, ns: number): void => {
  rows.push([what, ns >= 10000 ? `${(ns / 1000).toFixed(1)} µs` : `${ns.toFixed(0)} ns`]);
};

manualSeed(0);
const calls = quick ? 5000 : 20000;

// Forward of one op: 0-d, then 2,000 elements; without and with recording.
for (const n of [0, 2000]) {
  const shape = n === 0 ? [] : [n];
  const x = randn(shape);
  const y = randn(shape);
  const p = randn([], { requiresGrad: true });
  const size = n === 0 ? '0-d' : `${n} el.`;
  const c = n === 0 ? calls : Math.ceil(calls / 4);
  line(`${size} add (no grad)`, nsPerCall(() => noGrad(() => x.add(y)), c));
  line(`${size} mul (no grad)`, nsPerCall(() => noGrad(() => x.mul(y)), c));
  line(`${size} pow(2) (no grad)`, nsPerCall(() => noGrad(() => x.pow(2)), c));
  line(`${size} sum (no grad)`, nsPerCall(() => noGrad(() => x.sum()), c));
  line(`${size} param.mul(x), recorded`, nsPerCall(() => p.mul(x), c));
  line(`${size} param.add(x), recorded`, nsPerCall(() => p.add(x), c));
  line(`${size} x.sub(param).pow(2).sum(), recorded (3 ops)`, nsPerCall(() => x.sub(p).pow(2).sum(), c));
}

// Backward per node: a chain of 20 0-d muls from one parameter.
{
  const p = randn([], { requiresGrad: true });
  const k = randn([]);
  const chain = (): Tensor => {
    let t = p;
    for (let i = 0; i < 20; i++) t = t.mul(k);
    return t;
  };
  const forward = nsPerCall(chain, calls / 20);
  const both = nsPerCall(() => {
    chain().backward();
    p.grad = null;
  }, calls / 20);
  line('backward, per node (chain of 20 0-d muls)', (both - forward) / 20);
}

// Optimizer step and zeroGrad per parameter: 50 0-d parameters with gradients.
{
  const params = Array.from({ length: 50 }, () => randn([], { requiresGrad: true }));
  const opt = new SGD(params, { lr: 1e-6, momentum: 0.9 });
  const setGrads = (): void => {
    for (const q of params) q.grad = zeros([]);
  };
  setGrads();
  line('SGD(momentum).step(), per 0-d parameter', nsPerCall(() => opt.step(), calls / 50) / 50);
  const set = nsPerCall(setGrads, calls / 50);
  line('zeroGrad(), per 0-d parameter', (nsPerCall(() => {
    setGrads();
    opt.zeroGrad();
  }, calls / 50) - set) / 50);
}

// The tutorial's dynamic_net (as the zoo runs it), split.
{
  manualSeed(0);
  const x = linspace(-Math.PI, Math.PI, 2000);
  const y = sin(x);
  const ps = [0, 1, 2, 3, 4].map(() => randn([], { requiresGrad: true }));
  const [a, b, c, d, e] = ps;
  const optimizer = new SGD(ps, { lr: 1e-8, momentum: 0.9 });
  const forward = (): Tensor => {
    let yPred = a.add(b.mul(x)).add(c.mul(x.pow(2))).add(d.mul(x.pow(3)));
    for (const exp of [4, 5]) yPred = yPred.add(e.mul(x.pow(exp)));
    return yPred.sub(y).pow(2).sum();
  };
  const steps = quick ? 500 : 2000;
  const fwd = nsPerCall(forward, steps);
  const fwdBwd = nsPerCall(() => {
    optimizer.zeroGrad();
    forward().backward();
  }, steps);
  const full = nsPerCall(() => {
    optimizer.zeroGrad();
    forward().backward();
    optimizer.step();
  }, steps);
  line('dynamic_net forward (17 ops, recorded)', fwd);
  line('dynamic_net zeroGrad + backward', fwdBwd - fwd);
  line('dynamic_net optimizer step (5 params)', full - fwdBwd);
  line('dynamic_net step', full);
  line('dynamic_net step per forward op', full / 17);
}

console.log(`Fixed cost of small ops, ${getBackend().name} backend (best of ${RUNS} runs, CPU time)\n`);
console.log('| what | time |');
console.log('|---|---|');
for (const [what, t] of rows) console.log(`| ${what} | ${t} |`);
