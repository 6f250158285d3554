/**
 * `npm run bench`: the seed recipe's training step, forward pass, Fashion-MNIST epoch and
 * memory footprint, torchlet beside PyTorch in one run, ending with a markdown table to paste
 * into an issue. See `--help` (scripts/lib/bench-args.ts) for what is measured.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { getBackend } from '../src/backend';
import { runZoo } from './lib/bench-zoo';
import { BenchConfig, BenchUsageError, parseBenchArgs, USAGE } from './lib/bench-args';
import {
  findTorch, runEchoing, torchEpoch, torchStep, EpochResult, TorchRuntime, TorchStep,
} from './lib/bench-python';
import {
  backendSwitches, loopForward, loopStep, memoryRun, MemoryRun, MemorySample, parallelModule, plan, profileSteps, ProfileSplit, scopedStep, setup, timeParallel,
  timeSteps, Timing, wasmBytes,
} from './lib/bench-measure';

const out = (line = ''): void => void process.stdout.write(line + '\n');
const ms = (x: number | null | undefined, digits = 3): string => (x == null || !Number.isFinite(x) ? 'n/a' : x.toFixed(x >= 100 ? 1 : digits));
const ratio = (a: number | null | undefined, b: number | null | undefined): string => (a == null || b == null || !(b > 0) ? '—' : `${(a / b).toFixed(2)}x`);
const pct = (x: number): string => `${(100 * x).toFixed(1)} %`;
const mb = (bytes: number | null | undefined): string => (bytes == null ? 'n/a' : (bytes / 2 ** 20).toFixed(1));
const perSecond = (batch: number, msPerStep: number | null | undefined): string => (msPerStep ? (batch * 1000 / msPerStep).toFixed(0) : 'n/a');

interface StepRow {
  label: string;
  batch: number;
  threads: number;
  ours: number | null;
  torch: number | null;
  note?: string;
  /** Single-step percentiles [p50, p90] (training steps only). */
  oursSpread?: [number, number] | null;
  torchSpread?: [number, number] | null;
}

interface EpochRow {
  threads: number;
  ours: EpochResult | null;
  oursError?: string;
}

function header(cfg: BenchConfig, argv: string[]): string[] {
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  const load = os.loadavg().map((x) => x.toFixed(2)).join(', ');
  let commit = '';
  try {
    const head = fs.readFileSync(path.join(__dirname, '..', '..', '.git', 'HEAD'), 'utf8').trim();
    commit = head.startsWith('ref: ')
      ? fs.readFileSync(path.join(__dirname, '..', '..', '.git', head.slice(5)), 'utf8').trim().slice(0, 7)
      : head.slice(0, 7);
  } catch { /* not a checkout */ }
  void cfg;
  return [
    `Command: npm run bench${argv.length ? ' -- ' + argv.join(' ') : ''}`,
    `Machine: ${os.cpus().length} x ${cpu}, Node ${process.version}, backend ${getBackend().name}${commit ? `, commit ${commit}` : ''}`,
    `Load average at start: ${load} (1, 5, 15 min)`,
    `Date: ${new Date().toISOString()}`,
  ];
}

async function oursEpoch(threads: number, cfg: BenchConfig): Promise<EpochResult> {
  const runsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'torchlet-bench-'));
  try {
    const args = [path.join(__dirname, 'train.js'), '--dataset', 'fashion-mnist', '--epochs', '1', '--offline', '--progress', 'off',
      '--runs-dir', runsDir, '--run-name', 'epoch', '--num-workers', String(cfg.numWorkers), '--threads', String(threads)];
    if (cfg.epochSteps) args.push('--max-steps', String(cfg.epochSteps));
    out(`  $ node ${path.relative(process.cwd(), args[0])} ${args.slice(1).join(' ')}`);
    const r = await runEchoing(process.execPath, args, process.env, `  torchlet ${threads}t | `);
    if (r.code !== 0) throw new Error(`train.js exited ${r.code}: ${r.stderr.trim().split('\n').slice(-2).join(' | ')}`);
    const metrics = fs.readFileSync(path.join(runsDir, 'epoch', 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    const summary = metrics.filter((m) => m.kind === 'summary').pop();
    const losses = metrics.filter((m) => m.kind === 'log').map((m) => m.loss as number);
    return { trainSeconds: summary.trainSeconds, testAccuracy: summary.testAccuracy, losses, steps: summary.step, lines: r.lines };
  } finally {
    fs.rmSync(runsDir, { recursive: true, force: true });
  }
}

async function main(argv: string[]): Promise<number> {
  let cfg: BenchConfig;
  try {
    cfg = parseBenchArgs(argv);
  } catch (e) {
    if (e instanceof BenchUsageError) {
      process.stderr.write(`bench: ${e.message}\n\n${USAGE}\n`);
      return 2;
    }
    throw e;
  }
  if (cfg.help) {
    out(USAGE);
    return 0;
  }
  const started = performance.now();
  const head = header(cfg, argv);
  head.forEach((l) => out(l));

  const torch: TorchRuntime | null = cfg.torch ? findTorch() : null;
  out(cfg.torch
    ? torch ? `PyTorch ${torch.version} via ${torch.python} (${torch.blas})` : 'PyTorch: not found (python3 cannot import torch); torchlet only'
    : 'PyTorch: skipped (--no-torch)');
  if (torch) head.push(`PyTorch: ${torch.version} (${torch.blas}): ${torch.envPrefix}${torch.python} scripts/bench-torch.py --threads N --batch B`);
  out();
  if (cfg.zoo) {
    if (torch) head[head.length - 1] = `PyTorch: ${torch.version} (${torch.blas}): ${torch.envPrefix}${torch.python} scripts/bench-zoo-torch.py --model ID --threads N`;
    const table = await runZoo({ quick: cfg.quick, threads: cfg.threads, models: cfg.models }, torch, out);
    const lines = [`### npm run bench -- --zoo (${new Date().toISOString().slice(0, 10)})`, '', ...head.map((h) => `- ${h}`), '', ...table, '',
      `Bench wall time: ${((performance.now() - started) / 1000).toFixed(0)} s; load average at the end: ${os.loadavg().map((x) => x.toFixed(2)).join(', ')}`];
    out('\n' + lines.join('\n'));
    return 0;
  }

  // First, while this process's wasm memory has seen nothing else (it never shrinks): the
  // loop in scope() (the smaller footprint), then the ordinary loop.
  const memory: Array<{ label: string; run: MemoryRun }> = [];
  let switches: [number | null, number | null] | null = null;
  if (cfg.memory) {
    for (const [label, scoped] of [['in scope()', true], ['ordinary loop', false]] as const) {
      out(`Memory run, ${label}: ${cfg.memorySteps} training steps at batch 4 ...`);
      const run = await memoryRun(cfg.memorySteps, cfg.memoryFirst, scoped, (step) => out(`  step ${step}`));
      out(`  ${run.msPerStep.toFixed(3)} ms/step over the run`);
      memory.push({ label, run });
    }
    switches = backendSwitches();
  }

  const trainRows: StepRow[] = [];
  const scopedRows: StepRow[] = [];
  const forwardRows: StepRow[] = [];
  const profiles: Array<{ label: string; p: ProfileSplit | null }> = [];
  const parallelOk = parallelModule() !== null;

  for (const threads of cfg.threads) {
    for (const batch of cfg.batches) {
      const p = plan(batch, cfg.quick);
      let train: Timing | null = null;
      let forward: Timing | null = null;
      let note: string | undefined;
      if (threads === 1) {
        const s = setup(batch);
        train = await timeSteps(loopStep(s), p.warmup, p.steps, p.repeats);
        forward = await timeSteps(loopForward(s), p.warmup, p.steps, p.repeats);
        profiles.push({ label: `training step, batch ${batch}`, p: await profileSteps(loopStep(s), p.steps) });
        const scoped = setup(batch);
        const scopedTrain = await timeSteps(scopedStep(scoped), p.warmup, p.steps, p.repeats);
        scopedRows.push({
          label: 'training step in scope()', batch, threads, ours: scopedTrain.ms, torch: null,
          oursSpread: [scopedTrain.stepP50, scopedTrain.stepP90],
        });
        profiles.push({ label: `training step in scope(), batch ${batch}`, p: await profileSteps(scopedStep(scoped), p.steps) });
        profiles.push({ label: `forward only, batch ${batch}`, p: await profileSteps(loopForward(s), p.steps) });
      } else if (!parallelOk) {
        note = 'src/parallel not available';
      } else {
        try {
          const t = await timeParallel(batch, threads, p);
          train = t.train;
          forward = t.forward;
        } catch (e) {
          note = (e as Error).message;
        }
      }
      out(`torchlet  threads ${threads} batch ${String(batch).padStart(3)}: train ${ms(train?.ms)} ms/step (runs ${train?.runs.map((x) => x.toFixed(3)).join(' ') ?? '-'}), ` +
        `forward ${ms(forward?.ms)} ms${note ? `  [${note}]` : ''}`);
      // PyTorch right after, on the same shapes, so both see about the same machine load.
      let theirs: TorchStep | null = null;
      if (torch) {
        try {
          theirs = torchStep(torch, threads, batch, p.steps, p.repeats);
          out(`PyTorch   threads ${threads} batch ${String(batch).padStart(3)}: train ${ms(theirs.trainStepMs)} ms/step, forward ${ms(theirs.forwardMs)} ms`);
        } catch (e) {
          out(`PyTorch   threads ${threads} batch ${batch}: failed: ${(e as Error).message}`);
        }
      }
      trainRows.push({
        label: 'training step', batch, threads, ours: train?.ms ?? null, torch: theirs?.trainStepMs ?? null, note,
        oursSpread: train ? [train.stepP50, train.stepP90] : null,
        torchSpread: theirs && theirs.trainStepP50Ms != null ? [theirs.trainStepP50Ms, theirs.trainStepP90Ms] : null,
      });
      forwardRows.push({ label: 'forward only', batch, threads, ours: forward?.ms ?? null, torch: theirs?.forwardMs ?? null, note });
      for (const r of scopedRows) {
        if (r.batch !== batch || r.threads !== threads) continue;
        r.torch = theirs?.trainStepMs ?? null;
        r.torchSpread = theirs && theirs.trainStepP50Ms != null ? [theirs.trainStepP50Ms, theirs.trainStepP90Ms] : null;
      }
    }
  }


  const epochs: EpochRow[] = [];
  let torchEpochResult: EpochResult | null = null;
  let torchEpochError: string | null = null;
  if (cfg.epoch) {
    out(`\nFashion-MNIST, one epoch of batch 4${cfg.epochSteps ? ` (stopped at ${cfg.epochSteps} steps)` : ''}:`);
    for (const threads of cfg.threads) {
      try {
        epochs.push({ threads, ours: await oursEpoch(threads, cfg) });
      } catch (e) {
        epochs.push({ threads, ours: null, oursError: (e as Error).message });
        out(`  torchlet ${threads}t failed: ${(e as Error).message}`);
      }
    }
    if (torch) {
      out(`  $ ${torch.envPrefix}${torch.python} scripts/bench-torch-fmnist.py --threads 1${cfg.epochSteps ? ` --max-steps ${cfg.epochSteps}` : ''}`);
      try {
        torchEpochResult = await torchEpoch(torch, cfg.epochSteps);
      } catch (e) {
        torchEpochError = (e as Error).message;
        out(`  PyTorch failed: ${torchEpochError}`);
      }
    }
  }

  // ---- the table ----
  const peakRss = process.resourceUsage().maxRSS * 1024;
  const T = torch ? `PyTorch ${torch.version}` : 'PyTorch';
  const lines: string[] = [];
  lines.push(`### npm run bench (${new Date().toISOString().slice(0, 10)})`, '');
  for (const h of head) lines.push(`- ${h}`);
  lines.push('');
  lines.push(`| seed Net, ms per call | batch | threads | torchlet | ${T} | ratio | torchlet img/s | PyTorch img/s |`);
  lines.push('|---|---|---|---|---|---|---|---|');
  for (const rows of [trainRows, scopedRows, forwardRows]) {
    for (const r of [...rows].sort((a, b) => a.batch - b.batch || a.threads - b.threads)) {
      lines.push(`| ${r.label} | ${r.batch} | ${r.threads} | ${ms(r.ours)} | ${ms(r.torch)} | ${ratio(r.ours, r.torch)} | ${perSecond(r.batch, r.ours)} | ${perSecond(r.batch, r.torch)} |`);
    }
  }
  lines.push('');
  lines.push('| single training steps, ms | batch | threads | torchlet p50 | PyTorch p50 | ratio | torchlet p90 | PyTorch p90 |');
  lines.push('|---|---|---|---|---|---|---|---|');
  for (const r of [...trainRows, ...scopedRows].sort((a, b) => a.batch - b.batch || a.threads - b.threads)) {
    const [o50, o90] = r.oursSpread ?? [null, null];
    const [t50, t90] = r.torchSpread ?? [null, null];
    lines.push(`| ${r.label} | ${r.batch} | ${r.threads} | ${ms(o50)} | ${ms(t50)} | ${ratio(o50, t50)} | ${ms(o90)} | ${ms(t90)} |`);
  }
  lines.push('');
  if (profiles.length) {
    lines.push('| where 1 thread\'s time goes (profiled run) | ms/step (timers on) | WASM kernels | copies JS<->WASM | JS (autograd, bookkeeping) |');
    lines.push('|---|---|---|---|---|');
    for (const { label, p } of profiles) {
      lines.push(p ? `| ${label} | ${ms(p.ms)} | ${pct(p.kernelShare)} | ${pct(p.copyShare)} | ${pct(p.jsShare)} |` : `| ${label} | n/a | n/a | n/a | n/a (backend has no profiling) |`);
    }
    lines.push('');
  }
  if (memory.length > 0) {
    const cells = memory.flatMap(({ run }) => run.samples);
    const row = (label: string, value: (x: MemorySample) => number | null) => lines.push(`| ${label} | ${cells.map((x) => mb(value(x))).join(' | ')} |`);
    lines.push(`| memory, ${cfg.memorySteps.toLocaleString('en-US')} training steps at batch 4 (after GC) | ` +
      `${memory.flatMap(({ label, run }) => run.samples.map((x) => `${label}, step ${x.step.toLocaleString('en-US')}`)).join(' | ')} |`);
    lines.push(`|---|${cells.map(() => '---').join('|')}|`);
    row('WASM linear memory (MB; it never shrinks)', (x) => x.wasmBytes);
    row('resident tensors in WASM memory (MB)', (x) => x.residentBytes);
    row('peak resident tensors so far (MB)', (x) => x.peakResidentBytes);
    row('JS heap used (MB)', (x) => x.heapUsed);
    row('ArrayBuffers (MB)', (x) => x.arrayBuffers);
    row('external, ArrayBuffers included (MB)', (x) => x.external);
    row('RSS (MB)', (x) => x.rss);
    lines.push('');
  }
  if (switches) {
    lines.push(`100 setBackend('wasm') / setBackend('js') switch pairs after the memory runs: WASM memory ${mb(switches[0])} MB before, ` +
      `${mb(switches[1])} MB after.`);
    lines.push('');
  }
  const peakHeap = memory.length > 0 ? Math.max(...memory.map(({ run }) => run.peakHeapUsed)) : null;
  lines.push(`Peak memory of the bench process: RSS ${mb(peakRss)} MB, JS heap ${mb(peakHeap ?? process.memoryUsage().heapUsed)} MB` +
    `${peakHeap !== null ? ' (sampled in the memory runs)' : ' (at the end)'}, WASM memory ${mb(wasmBytes())} MB (it only grows: final = peak).`);
  lines.push('');
  if (cfg.epoch) {
    lines.push(`| Fashion-MNIST, ${cfg.epochSteps ? `${cfg.epochSteps} steps` : 'one epoch (15,000 steps)'} of batch 4 | training s | test accuracy | last running loss | vs PyTorch time |`);
    lines.push('|---|---|---|---|---|');
    for (const e of epochs) {
      const r = e.ours;
      lines.push(r
        ? `| torchlet, npm run train -- --threads ${e.threads} --num-workers ${cfg.numWorkers} | ${r.trainSeconds.toFixed(1)} | ${(100 * r.testAccuracy).toFixed(2)} % | ${r.losses.length ? r.losses[r.losses.length - 1].toFixed(3) : 'n/a'} | ${ratio(r.trainSeconds, torchEpochResult?.trainSeconds)} |`
        : `| torchlet, npm run train -- --threads ${e.threads} --num-workers ${cfg.numWorkers} | failed: ${e.oursError} | | | |`);
    }
    if (torchEpochResult) {
      const r = torchEpochResult;
      lines.push(`| ${T}, 1 thread | ${r.trainSeconds.toFixed(1)} | ${(100 * r.testAccuracy).toFixed(2)} % | ${r.losses.length ? r.losses[r.losses.length - 1].toFixed(3) : 'n/a'} | 1.00x |`);
    } else if (torch) lines.push(`| ${T} | failed: ${torchEpochError} | | | |`);
    lines.push('');
  }
  lines.push(`Bench wall time: ${((performance.now() - started) / 1000).toFixed(0)} s; load average at the end: ${os.loadavg().map((x) => x.toFixed(2)).join(', ')}`);
  out('\n' + lines.join('\n'));
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e) => {
    process.stderr.write(`bench: ${(e as Error)?.stack ?? e}\n`);
    process.exit(1);
  },
);
