/**
 * A data-loader worker stuck in a loop, then Ctrl-C (or SIGTERM): before the fix, the CLI
 * printed "saving a checkpoint" and went on waiting for the hung worker's batch (300 s in the
 * CLI, the loader's timeout; forever without one), saving nothing. Now the wait is abandoned:
 * the checkpoint of the last completed step is saved and the CLI exits with 130. The worker is
 * hung by a test-only environment variable (TORCHLET_TEST_HANG_WORKER_AT_BATCH, src/data/worker.ts).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawn } from 'child_process';
import { readCheckpointState } from '../src/io/checkpoint';
import { ensureBuilt } from './helpers/dist';

const root = path.resolve(__dirname, '..');
const script = path.join(root, 'dist', 'scripts', 'train.js');
let dir: string;

beforeAll(() => {
  ensureBuilt();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'torchlet-hung-worker-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/**
 * Runs the CLI with batch `hangAt` of each epoch hung in its worker, sends `signal` once the loss
 * line at step `seen` is printed and the loop has waited a moment for the hung batch, and gives
 * the CLI `graceMs` to exit before killing it.
 */
async function interruptHung(args: string[], hangAt: number, seen: RegExp, signal: NodeJS.Signals, graceMs: number) {
  const child = spawn(process.execPath, [script, ...args], {
    cwd: dir, env: { ...process.env, FORCE_COLOR: '0', TORCHLET_TEST_HANG_WORKER_AT_BATCH: String(hangAt) },
  });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += d; });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  await new Promise<void>((resolve) => {
    child.stdout.on('data', (d) => {
      stdout += d;
      if (seen.test(stdout)) resolve();
    });
    void exited.then(() => resolve());
  });
  await new Promise((r) => setTimeout(r, 1500));
  child.kill(signal);
  const killer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  const code = await exited;
  clearTimeout(killer);
  return { code, stdout, stderr };
}

test.each([['SIGINT'], ['SIGTERM']])('%s while a worker is hung saves the last completed step and exits', async (signal) => {
  const ckpt = path.join(dir, `hung-${signal}.safetensors`);
  const args = ['--data-dir', path.join(dir, 'data'), '--dataset', 'synthetic', '--synthetic-train-size', '400',
    '--synthetic-test-size', '40', '--no-eval', '--epochs', '1', '--log-every', '10', '--num-workers', '1',
    '--checkpoint-every', 'off', '--run-name', `hung-${signal}`, '--save', ckpt];
  // Batch 30 never comes: steps 1-30 are done, the loss line of step 30 printed.
  const started = Date.now();
  const { code, stdout, stderr } = await interruptHung(args, 30, /^\[1, +30\] loss:/m, signal as NodeJS.Signals, 20000);
  expect(stderr).toContain('finishing this step and saving a checkpoint');
  expect(code).toBe(130);
  expect(stdout).toMatch(/^Interrupted at epoch 1, batch 30, step 30; checkpoint saved to /m);
  expect(readCheckpointState(ckpt).step).toBe(30);
  expect(Date.now() - started).toBeLessThan(60000);
}, 90000);
