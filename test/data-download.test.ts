import * as crypto from 'crypto';
import * as fs from 'fs';
import * as http from 'http';
import type { AddressInfo } from 'net';
import * as os from 'os';
import * as path from 'path';
import { CIFAR10, cifar10Present, downloadCIFAR10, safeExtract, unsafeEntryReason } from '../src/data';
import { tarball, type TarEntry as Entry } from './helpers/tarball';

function cifarArchive(): Buffer {
  const record = (label: number) => Buffer.concat([Buffer.from([label]), Buffer.alloc(3072, label * 20)]);
  const files = ['data_batch_1.bin', 'data_batch_2.bin', 'data_batch_3.bin', 'data_batch_4.bin', 'data_batch_5.bin', 'test_batch.bin'];
  return tarball([
    { path: 'cifar-10-batches-bin/', type: 'dir' },
    ...files.map((f, i) => ({ path: `cifar-10-batches-bin/${f}`, body: Buffer.concat([record(i), record(9 - i)]) })),
    { path: 'cifar-10-batches-bin/batches.meta.txt', body: Buffer.from('airplane\n') },
  ]);
}

const md5 = (b: Buffer) => crypto.createHash('md5').update(b).digest('hex');

let tmp: string;
beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'torchlet-dl-'));
});
afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('safe tar extraction', () => {
  test('extracts an ordinary archive, including links that stay inside', async () => {
    const archive = path.join(tmp, 'ok.tar.gz');
    fs.writeFileSync(archive, tarball([
      { path: 'a/', type: 'dir' },
      { path: 'a/file.txt', body: Buffer.from('hello') },
      { path: 'a/alias', type: 'symlink', linkpath: 'file.txt' },
      { path: 'a/hard', type: 'link', linkpath: 'a/file.txt' },
    ]));
    const root = path.join(tmp, 'root');
    fs.mkdirSync(root);
    await safeExtract(archive, root);
    expect(fs.readFileSync(path.join(root, 'a', 'file.txt'), 'utf8')).toBe('hello');
    expect(fs.readFileSync(path.join(root, 'a', 'alias'), 'utf8')).toBe('hello');
    expect(fs.readFileSync(path.join(root, 'a', 'hard'), 'utf8')).toBe('hello');
  });

  test.each<[string, Entry[], RegExp]>([
    ['a ../ path', [{ path: '../evil', body: Buffer.from('x') }], /"\.\.\/evil" \(path contains '\.\.'\)/],
    ['a nested ../ path', [{ path: 'a/../../evil', body: Buffer.from('x') }], /path contains '\.\.'/],
    ['an absolute path', [{ path: '/tmp/torchlet-evil-abs', body: Buffer.from('x') }], /"\/tmp\/torchlet-evil-abs" \(absolute path\)/],
    ['a symlink out (absolute)', [{ path: 'link', type: 'symlink', linkpath: '/etc' }, { path: 'link/evil', body: Buffer.from('x') }], /symbolic link to absolute path \/etc/],
    ['a symlink out (relative)', [{ path: 'up', type: 'symlink', linkpath: '../..' }], /symbolic link target \.\.\/\.\. contains '\.\.'/],
    ['a hard link out', [{ path: 'hard', type: 'link', linkpath: '../outside.txt' }], /hard link target \.\.\/outside\.txt contains '\.\.'/],
  ])('refuses %s and writes nothing', async (_name, entries, message) => {
    const archive = path.join(tmp, 'evil.tar.gz');
    fs.writeFileSync(archive, tarball([{ path: 'good.txt', body: Buffer.from('fine') }, ...entries]));
    fs.writeFileSync(path.join(tmp, 'outside.txt'), 'secret');
    const root = path.join(tmp, 'deep', 'root');
    fs.mkdirSync(root, { recursive: true });
    await expect(safeExtract(archive, root)).rejects.toThrow(message);
    await expect(safeExtract(archive, root)).rejects.toThrow(/refusing to extract, entries would escape/);
    expect(fs.readdirSync(root)).toEqual([]);
    expect(fs.existsSync(path.join(tmp, 'deep', 'evil'))).toBe(false);
    expect(fs.existsSync(path.join(tmp, 'evil'))).toBe(false);
    expect(fs.existsSync('/tmp/torchlet-evil-abs')).toBe(false);
    expect(fs.readFileSync(path.join(tmp, 'outside.txt'), 'utf8')).toBe('secret');
  });

  test('unsafeEntryReason', () => {
    expect(unsafeEntryReason('/r', 'a/b', 'File')).toBeNull();
    expect(unsafeEntryReason('/r', 'C:\\x', 'File')).toBe('absolute path');
    expect(unsafeEntryReason('/r', 'a\\..\\..\\x', 'File')).toMatch(/'\.\.'/);
    expect(unsafeEntryReason('/r', 'dev', 'CharacterDevice')).toMatch(/unsupported entry type/);
  });
});

describe('CIFAR-10 download', () => {
  let server: http.Server;
  let url: string;
  let requests = 0;
  /** What the server does per request number (1-based). */
  let behaviour: (n: number, res: http.ServerResponse) => void;
  const archive = cifarArchive();

  beforeAll(async () => {
    server = http.createServer((req, res) => behaviour(++requests, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/cifar-10-binary.tar.gz`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
  beforeEach(() => {
    requests = 0;
  });

  const serve = (res: http.ServerResponse, body: Buffer) => {
    res.writeHead(200, { 'Content-Length': body.length });
    res.end(body);
  };
  const options = () => ({ url, md5: md5(archive), retryDelayMs: 5, progress: false });

  test('retries a truncated first attempt, verifies, extracts; then skips when present', async () => {
    behaviour = (n, res) => {
      if (n === 1) {
        res.writeHead(200, { 'Content-Length': archive.length });
        res.write(archive.subarray(0, 100), () => res.destroy());
      } else serve(res, archive);
    };
    const root = path.join(tmp, 'data');
    const ds = await CIFAR10.create({ root, download: true, ...options() });
    expect(requests).toBe(2);
    expect(ds.length).toBe(10);
    expect(ds.get(1)[1]).toBe(9);
    expect(cifar10Present(root)).toBe(true);
    await CIFAR10.create({ root, download: true, ...options() });
    expect(requests).toBe(2);
    // Nothing but the extracted data is left behind.
    expect(fs.readdirSync(root)).toEqual(['cifar-10-batches-bin']);
  });

  test('retries a corrupt first attempt (right length, wrong bytes)', async () => {
    behaviour = (n, res) => serve(res, n === 1 ? Buffer.alloc(archive.length, 7) : archive);
    const root = path.join(tmp, 'data');
    await downloadCIFAR10(root, options());
    expect(requests).toBe(2);
    expect(new CIFAR10({ root, train: false }).length).toBe(2);
  });

  test('an incomplete folder from an interrupted run is replaced whole; nothing half-extracted is left', async () => {
    behaviour = (_n, res) => serve(res, archive);
    const root = path.join(tmp, 'data');
    const dir = path.join(root, 'cifar-10-batches-bin');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'data_batch_1.bin'), Buffer.alloc(100)); // truncated, others missing
    expect(cifar10Present(root)).toBe(false);
    await downloadCIFAR10(root, options());
    expect(requests).toBe(1);
    expect(new CIFAR10({ root, train: true }).length).toBe(10);
    expect(fs.readdirSync(root)).toEqual(['cifar-10-batches-bin']);
  });

  test('an archive without the CIFAR-10 files is refused and leaves nothing behind', async () => {
    const other = tarball([{ path: 'something-else/readme.txt', body: Buffer.from('hello') }]);
    behaviour = (_n, res) => serve(res, other);
    const root = path.join(tmp, 'data');
    await expect(downloadCIFAR10(root, { ...options(), md5: md5(other) })).rejects.toThrow(/did not contain cifar-10-batches-bin\//);
    expect(fs.readdirSync(root)).toEqual([]);
  });

  test('MD5 mismatch on every attempt fails cleanly: clear error, nothing extracted, no temp files', async () => {
    const tampered = cifarArchive();
    tampered[tampered.length - 20] ^= 0xff;
    behaviour = (_n, res) => serve(res, tampered);
    const root = path.join(tmp, 'data');
    const before = fs.readdirSync(os.tmpdir()).filter((f) => f.startsWith('torchlet-cifar10-')).length;
    await expect(downloadCIFAR10(root, { ...options(), attempts: 2 })).rejects.toThrow(
      /after 2 attempts:\n\s+attempt 1: MD5 mismatch: got [0-9a-f]{32} over \d+ bytes, expected [0-9a-f]{32}\n\s+attempt 2: MD5 mismatch/,
    );
    expect(requests).toBe(2);
    expect(fs.readdirSync(root)).toEqual([]);
    expect(fs.readdirSync(os.tmpdir()).filter((f) => f.startsWith('torchlet-cifar10-')).length).toBe(before);
  });

  test('HTTP errors are reported; without download the constructor explains how to get the files', async () => {
    behaviour = (_n, res) => {
      res.writeHead(404);
      res.end();
    };
    const root = path.join(tmp, 'data');
    await expect(downloadCIFAR10(root, { ...options(), attempts: 1 })).rejects.toThrow(/attempt 1: HTTP 404/);
    await expect(CIFAR10.create({ root, ...options() })).rejects.toThrow(/not found.*download: true/s);
  });

  test('progress: plain lines when stderr is not a terminal', async () => {
    behaviour = (_n, res) => serve(res, archive);
    const lines: string[] = [];
    const spy = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    });
    const isTTY = process.stderr.isTTY;
    (process.stderr as { isTTY?: boolean }).isTTY = false;
    try {
      await downloadCIFAR10(path.join(tmp, 'data'), { ...options(), progress: true });
    } finally {
      spy.mockRestore();
      (process.stderr as { isTTY?: boolean }).isTTY = isTTY;
    }
    expect(lines[0]).toMatch(/^Downloading cifar-10-binary\.tar\.gz \(\d+ bytes\)\n$/);
    expect(lines[lines.length - 1]).toMatch(/100% \(\d+\/\d+ bytes\)\n$/);
  });
});
