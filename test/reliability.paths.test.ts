/**
 * Nothing is written outside its folder: in a shared runs or data directory, a symbolic link
 * planted where the library writes (metrics, plot, the synthetic set's files and temporary
 * files, a download's temporary file) is replaced, never followed, and its target is untouched.
 */
import * as crypto from 'crypto';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import type { AddressInfo } from 'net';
import * as os from 'os';
import * as path from 'path';
import { appendToRegularFile, createExclusive, makeOwnDirectory, writeFileAtomic } from '../src/io/atomic';
import { RunLog } from '../src/train/run-log';
import { CIFAR10_TEST_FILES, CIFAR10_TRAIN_FILES } from '../src/data/cifar10';
import { downloadFile, SyntheticCIFAR, writeSyntheticCifar } from '../src/data';
import { ensureBuilt, runNode } from './helpers/dist';

let tmp: string;
/** A file the attacker wants overwritten. */
let victim: string;
const VICTIM_TEXT = 'precious\n';

beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'torchlet-paths-'));
  victim = path.join(tmp, 'victim.txt');
  fs.writeFileSync(victim, VICTIM_TEXT);
});
afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

const isLink = (p: string) => fs.lstatSync(p).isSymbolicLink();

describe('run folder: metrics.jsonl and loss.svg', () => {
  // loss.svg was already written by rename (replacing a link); metrics.jsonl was truncated.
  test.each(['metrics.jsonl', 'loss.svg'])('a symbolic link planted at %s before the run is replaced, not followed', (name) => {
    const run = path.join(tmp, 'run');
    fs.mkdirSync(run);
    fs.symlinkSync(victim, path.join(run, name));
    const log = new RunLog(run, 'title');
    log.write({ kind: 'log', step: 1, loss: 2 });
    expect(fs.readFileSync(victim, 'utf8')).toBe(VICTIM_TEXT);
    expect(isLink(path.join(run, name))).toBe(false);
    expect(RunLog.read(log.metricsPath)).toEqual([{ kind: 'log', step: 1, loss: 2 }]);
    expect(fs.readFileSync(log.plotPath, 'utf8')).toMatch(/^<\?xml/);
  });

  test('a symbolic link planted at metrics.jsonl during the run is replaced, not appended to', () => {
    const run = path.join(tmp, 'run');
    const log = new RunLog(run, 'title');
    log.write({ kind: 'trace', step: 1, loss: 2 });
    fs.rmSync(log.metricsPath);
    fs.symlinkSync(victim, log.metricsPath);
    log.write({ kind: 'trace', step: 2, loss: 1.5 });
    expect(fs.readFileSync(victim, 'utf8')).toBe(VICTIM_TEXT);
    expect(isLink(log.metricsPath)).toBe(false);
    expect(RunLog.read(log.metricsPath).map((r) => r.step)).toEqual([1, 2]);
  });

  test('resuming does not read metrics through a symbolic link', () => {
    const run = path.join(tmp, 'run');
    fs.mkdirSync(run);
    fs.writeFileSync(victim, JSON.stringify({ kind: 'log', step: 1, loss: 9 }) + '\n');
    fs.symlinkSync(victim, path.join(run, 'metrics.jsonl'));
    const log = new RunLog(run, 'title', { resumeFromStep: 10 });
    log.write({ kind: 'log', step: 11, loss: 1 });
    expect(RunLog.read(log.metricsPath).map((r) => r.step)).toEqual([11]);
    expect(() => RunLog.read(path.join(run, 'nope'))).toThrow(/nope: cannot read/);
    fs.symlinkSync(victim, path.join(run, 'link.jsonl'));
    expect(() => RunLog.read(path.join(run, 'link.jsonl'))).toThrow(/refusing to read a symbolic link/);
  });

  test('a run folder that is a symbolic link is refused', () => {
    const elsewhere = path.join(tmp, 'elsewhere');
    fs.mkdirSync(elsewhere);
    fs.symlinkSync(elsewhere, path.join(tmp, 'run'));
    expect(() => new RunLog(path.join(tmp, 'run'), 'title')).toThrow(/refusing to write into .*run: it is a symbolic link/);
    expect(fs.readdirSync(elsewhere)).toEqual([]);
  });

  // A FIFO with no reader blocks a plain open for writing forever: a child process, so that a
  // hang is a failed test rather than a hung jest.
  test('a FIFO planted at metrics.jsonl during the run neither blocks nor is written (child process)', () => {
    ensureBuilt();
    const run = path.join(tmp, 'run');
    const r = runNode(`
      const fs = require('fs');
      const { execFileSync } = require('child_process');
      const { RunLog } = require(lib + '/train/run-log');
      const log = new RunLog(${JSON.stringify(run)}, 't');
      log.write({ kind: 'trace', step: 1, loss: 2 });
      fs.rmSync(log.metricsPath);
      execFileSync('mkfifo', [log.metricsPath]);
      log.write({ kind: 'trace', step: 2, loss: 1 });
      console.log(fs.lstatSync(log.metricsPath).isFile(), RunLog.read(log.metricsPath).map((r) => r.step).join(','));
    `, { timeoutMs: 20000 });
    expect(r.signal).toBeNull();
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('true 1,2');
  });
});

describe('atomic write helpers', () => {
  test('createExclusive refuses a symbolic link, dangling or not, and leaves its target alone', () => {
    const link = path.join(tmp, 'link');
    fs.symlinkSync(victim, link);
    expect(() => createExclusive(link)).toThrow(/EEXIST/);
    fs.symlinkSync(path.join(tmp, 'not-yet'), path.join(tmp, 'dangling'));
    expect(() => createExclusive(path.join(tmp, 'dangling'))).toThrow(/EEXIST/);
    expect(fs.existsSync(path.join(tmp, 'not-yet'))).toBe(false);
    expect(fs.readFileSync(victim, 'utf8')).toBe(VICTIM_TEXT);
  });

  test('writeFileAtomic replaces a symbolic link at the target', () => {
    const link = path.join(tmp, 'out.bin');
    fs.symlinkSync(victim, link);
    writeFileAtomic(link, 'new');
    expect(isLink(link)).toBe(false);
    expect(fs.readFileSync(link, 'utf8')).toBe('new');
    expect(fs.readFileSync(victim, 'utf8')).toBe(VICTIM_TEXT);
  });

  test('appendToRegularFile declines links, FIFOs and missing files', () => {
    const link = path.join(tmp, 'link');
    fs.symlinkSync(victim, link);
    expect(appendToRegularFile(link, 'x')).toBe(false);
    const fifo = path.join(tmp, 'fifo');
    execFileSync('mkfifo', [fifo]);
    expect(appendToRegularFile(fifo, 'x')).toBe(false);
    expect(appendToRegularFile(path.join(tmp, 'missing'), 'x')).toBe(false);
    expect(fs.existsSync(path.join(tmp, 'missing'))).toBe(false);
    expect(appendToRegularFile(victim, 'more\n')).toBe(true);
    expect(fs.readFileSync(victim, 'utf8')).toBe(VICTIM_TEXT + 'more\n');
  });

  test('makeOwnDirectory creates folders and refuses a link or a file in their place', () => {
    makeOwnDirectory(path.join(tmp, 'a', 'b'));
    expect(fs.statSync(path.join(tmp, 'a', 'b')).isDirectory()).toBe(true);
    fs.symlinkSync(path.join(tmp, 'a'), path.join(tmp, 'link'));
    expect(() => makeOwnDirectory(path.join(tmp, 'link'))).toThrow(/symbolic link/);
    fs.symlinkSync(path.join(tmp, 'nowhere'), path.join(tmp, 'dangling'));
    expect(() => makeOwnDirectory(path.join(tmp, 'dangling'))).toThrow(/symbolic link/);
    expect(() => makeOwnDirectory(victim)).toThrow(/not a directory/);
    // A link among the parents is fine (a data root on another disk).
    makeOwnDirectory(path.join(tmp, 'link', 'c'));
    expect(fs.statSync(path.join(tmp, 'a', 'c')).isDirectory()).toBe(true);
  });
});

describe('synthetic data set', () => {
  const sizes = { trainSize: 10, testSize: 2 };

  test('links planted at its temporary-file names are not followed', () => {
    const dir = path.join(tmp, 'cifar-10-batches-bin');
    fs.mkdirSync(dir);
    // The names the writer used to use: predictable from the pid.
    for (const name of [...CIFAR10_TRAIN_FILES, ...CIFAR10_TEST_FILES, 'batches.meta.txt', 'synthetic.json']) {
      fs.symlinkSync(victim, path.join(dir, `${name}.tmp-${process.pid}`));
    }
    writeSyntheticCifar(tmp, sizes);
    expect(fs.readFileSync(victim, 'utf8')).toBe(VICTIM_TEXT);
  });

  test('links planted at its file names are replaced, not written through', () => {
    const dir = path.join(tmp, 'cifar-10-batches-bin');
    fs.mkdirSync(dir);
    for (const name of [...CIFAR10_TRAIN_FILES, ...CIFAR10_TEST_FILES, 'batches.meta.txt']) {
      fs.symlinkSync(victim, path.join(dir, name));
    }
    writeSyntheticCifar(tmp, sizes);
    expect(fs.readFileSync(victim, 'utf8')).toBe(VICTIM_TEXT);
    expect(isLink(path.join(dir, 'data_batch_1.bin'))).toBe(false);
  });

  test('its folder may not be a symbolic link', () => {
    const elsewhere = path.join(tmp, 'elsewhere');
    fs.mkdirSync(elsewhere);
    const data = path.join(tmp, 'data');
    fs.mkdirSync(data);
    fs.symlinkSync(elsewhere, SyntheticCIFAR.directory(data));
    expect(() => new SyntheticCIFAR({ root: data, ...sizes })).toThrow(/refusing to write into .*synthetic-cifar10: it is a symbolic link/);
    fs.rmSync(SyntheticCIFAR.directory(data));
    fs.mkdirSync(SyntheticCIFAR.directory(data));
    fs.symlinkSync(elsewhere, path.join(SyntheticCIFAR.directory(data), 'cifar-10-batches-bin'));
    expect(() => new SyntheticCIFAR({ root: data, ...sizes })).toThrow(/cifar-10-batches-bin: it is a symbolic link/);
    expect(fs.readdirSync(elsewhere)).toEqual([]);
  });
});

describe('downloads', () => {
  test("links planted at the download's temporary-file names are not followed", async () => {
    const body = Buffer.from('payload');
    const server = http.createServer((_req, res) => res.end(body));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/f.bin`;
      const dest = path.join(tmp, 'f.bin');
      for (const attempt of [1, 2, 3]) fs.symlinkSync(victim, `${dest}.part-${process.pid}-${attempt}`);
      const md5 = crypto.createHash('md5').update(body).digest('hex');
      await downloadFile(url, dest, { md5, progress: false, retryDelayMs: 0 });
      expect(fs.readFileSync(dest, 'utf8')).toBe('payload');
      expect(fs.readFileSync(victim, 'utf8')).toBe(VICTIM_TEXT);
    } finally {
      server.close();
    }
  });
});
