/**
 * `npm run train -- --resume /dev/zero` (or a FIFO) grew memory without limit (or waited for a
 * writer forever). The CLI, in a child process with a deadline, now refuses either by name at
 * once; the reader's own bounds are tested in reliability.safetensors.test.ts.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { execFileSync, spawnSync } from 'child_process';
import { ensureBuilt } from './helpers/dist';

const script = path.resolve(__dirname, '..', 'dist', 'scripts', 'train.js');
let dir: string;

beforeAll(() => {
  ensureBuilt();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'torchlet-resume-input-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

test.each([
  ['/dev/zero', () => '/dev/zero', 'a character device'],
  ['a FIFO', () => {
    const fifo = path.join(dir, 'fifo.safetensors');
    execFileSync('mkfifo', [fifo]);
    return fifo;
  }, 'a FIFO'],
])('--resume %s is refused by name, at once', (_what, make, kind) => {
  const file = (make as () => string)();
  const r = spawnSync(process.execPath, [script, '--resume', file], { cwd: dir, encoding: 'utf8', timeout: 30000 });
  expect(r.signal).toBeNull(); // not killed by the deadline
  expect(r.status).toBe(1);
  expect(r.stderr).toBe(`train: ${file}: not a regular file (${kind})\n`);
});
