/**
 * `kill -9` during a checkpoint (or metrics, plot) save leaves the atomic write's temporary file
 * behind. The next start of the run removes those of its own files, and nothing else: not a
 * user's file, not a symbolic link (nor its target), not a folder, not another file's
 * temporaries, not those of a writer still running. Before the fix they piled up for good.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawnSync } from 'child_process';
import { removeStaleTemporaries, temporaryPathFor } from '../src/io/atomic';
import { ensureBuilt } from './helpers/dist';

const root = path.resolve(__dirname, '..');
const script = path.join(root, 'dist', 'scripts', 'train.js');
let dir: string;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'torchlet-stale-temp-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** The pid of a process that has exited (what a killed writer's pid is). */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(r.stdout);
}

/** A temporary name for `target` as a writer of pid `pid` made it. */
function temporaryOf(target: string, pid: number, tag = 'tmp'): string {
  return temporaryPathFor(target, tag).replace(`.${process.pid}.`, `.${pid}.`);
}

test('removes only our own temporaries of the named files, of dead writers, that are regular files', () => {
  const run = fs.mkdtempSync(path.join(dir, 'run-'));
  const target = path.join(run, 'checkpoint.safetensors');
  const dead = deadPid();
  const stale = [temporaryOf(target, dead), temporaryOf(path.join(run, 'metrics.jsonl'), dead), temporaryOf(target, dead, 'probe')];
  for (const f of stale) fs.writeFileSync(f, 'partial');
  // Left alone: a writer still running (this process's parent), another file's temporary, user
  // files, a symbolic link and a folder under our pattern.
  const running = temporaryOf(target, process.ppid);
  const other = temporaryOf(path.join(run, 'model.bin'), dead);
  const user = [path.join(run, '.checkpoint.safetensors.backup'), path.join(run, 'notes.tmp'), target];
  for (const f of [running, other, ...user]) fs.writeFileSync(f, 'keep');
  const outside = path.join(dir, 'outside.txt');
  fs.writeFileSync(outside, 'keep');
  const link = temporaryOf(target, dead);
  fs.symlinkSync(outside, link);
  const folder = temporaryOf(path.join(run, 'loss.svg'), dead);
  fs.mkdirSync(folder);

  const removed = removeStaleTemporaries(run, ['checkpoint.safetensors', 'metrics.jsonl', 'loss.svg']);
  expect(removed.sort()).toEqual(stale.map((f) => path.basename(f)).sort());
  for (const f of stale) expect(fs.existsSync(f)).toBe(false);
  for (const f of [running, other, ...user]) expect(fs.readFileSync(f, 'utf8')).toBe('keep');
  expect(fs.lstatSync(link).isSymbolicLink()).toBe(true);
  expect(fs.readFileSync(outside, 'utf8')).toBe('keep');
  expect(fs.statSync(folder).isDirectory()).toBe(true);
  // A missing folder is nothing to clean.
  expect(removeStaleTemporaries(path.join(run, 'missing'), ['checkpoint.safetensors'])).toEqual([]);
});

test('the CLI: --resume after a save killed mid-write removes its temporary files, and only those', () => {
  ensureBuilt();
  const train = (args: string[]) => spawnSync(process.execPath, [script, '--data-dir', path.join(dir, 'data'), '--dataset', 'synthetic',
    '--synthetic-train-size', '200', '--synthetic-test-size', '20', '--no-eval', '--num-workers', '0', '--log-every', '10', ...args],
  { cwd: dir, encoding: 'utf8', timeout: 90000, env: { ...process.env, FORCE_COLOR: '0' } });
  const first = train(['--max-steps', '10', '--run-name', 'stale']);
  expect(first.status).toBe(0);
  const run = path.join(dir, 'runs', 'stale');
  const ckpt = path.join(run, 'checkpoint.safetensors');
  const dead = deadPid();
  // What `kill -9` during the checkpoint's and the metrics' atomic writes leaves.
  const stale = [temporaryOf(ckpt, dead), temporaryOf(path.join(run, 'metrics.jsonl'), dead)];
  for (const f of stale) fs.writeFileSync(f, 'partial');
  const mine = path.join(run, 'my-notes.tmp');
  fs.writeFileSync(mine, 'keep');

  const resumed = train(['--resume', ckpt, '--max-steps', '20']);
  expect(resumed.stderr).toBe('');
  expect(resumed.status).toBe(0);
  expect(resumed.stdout).toContain(`Removed 2 temporary files left by an interrupted save: `);
  for (const f of stale) expect(fs.existsSync(f)).toBe(false);
  expect(fs.readFileSync(mine, 'utf8')).toBe('keep');
  expect(fs.readdirSync(run).sort()).toEqual(['checkpoint.safetensors', 'loss.svg', 'metrics.jsonl', 'my-notes.tmp']);
}, 120000);
