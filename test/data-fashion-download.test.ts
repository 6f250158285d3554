/**
 * FashionMNIST's `download`, as torchvision's: the four gzipped IDX files from the mirror into
 * root/FashionMNIST/raw, each MD5-checked and renamed into place only when complete, so an
 * interrupted download resumes with the missing files. Served by a local HTTP server.
 */
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as http from 'http';
import type { AddressInfo } from 'net';
import * as os from 'os';
import * as path from 'path';
import * as zlib from 'zlib';
import {
  downloadFashionMNIST, encodeIdx, FashionMNIST, FASHION_MNIST_MIRRORS, FASHION_MNIST_RESOURCES, fashionMnistPresent, fashionMnistRawDir,
} from '../src/data';

function split(n: number, offset: number): [Buffer, Buffer] {
  const pixels = new Uint8Array(n * 784).map((_, j) => (Math.floor(j / 784) * 11 + offset + (j % 784)) % 256);
  const labels = new Uint8Array(n).map((_, i) => (i + offset) % 10);
  return [zlib.gzipSync(encodeIdx(pixels, [n, 28, 28])), zlib.gzipSync(encodeIdx(labels, [n]))];
}
const [trainImages, trainLabels] = split(5, 0);
const [testImages, testLabels] = split(2, 3);
const files: Record<string, Buffer> = {
  'train-images-idx3-ubyte.gz': trainImages, 'train-labels-idx1-ubyte.gz': trainLabels,
  't10k-images-idx3-ubyte.gz': testImages, 't10k-labels-idx1-ubyte.gz': testLabels,
};
const md5s = Object.fromEntries(Object.entries(files).map(([name, body]) => [name, crypto.createHash('md5').update(body).digest('hex')]));

let server: http.Server;
let base: string;
let log: string[] = [];
/** Per request: the body to send, a status code, or 'cut' (headers promise the whole file, the connection drops after 10 bytes). */
let behaviour: (name: string) => Buffer | number | 'cut';
let tmp: string;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const name = path.basename(req.url ?? '');
    log.push(name);
    const what = behaviour(name);
    if (typeof what === 'number') {
      res.writeHead(what);
      res.end();
    } else if (what === 'cut') {
      res.writeHead(200, { 'Content-Length': files[name].length });
      res.write(files[name].subarray(0, 10), () => res.destroy());
    } else {
      res.writeHead(200, { 'Content-Length': what.length });
      res.end(what);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/fashion/`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'torchlet-fashion-dl-'));
  log = [];
});
afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

const options = () => ({ mirrors: [base], md5s, retryDelayMs: 1, attempts: 2, progress: false, systemDir: null });

test('create({ download: true }) fetches, verifies and reads; a second call fetches nothing', async () => {
  let cut = false;
  behaviour = (name) => {
    if (name === 't10k-images-idx3-ubyte.gz' && !cut) {
      cut = true;
      return 'cut';
    }
    return files[name];
  };
  const ds = await FashionMNIST.create({ root: tmp, download: true, ...options() });
  expect(ds.length).toBe(5);
  expect(ds.raw(2)[1]).toBe(2);
  expect(ds.raw(1)[0].data[0]).toBe(11);
  expect(path.dirname(ds.files.images)).toBe(fashionMnistRawDir(tmp));
  expect(new FashionMNIST({ root: tmp, train: false, systemDir: null }).raw(1)[1]).toBe(4);
  expect(log.sort()).toEqual([
    't10k-images-idx3-ubyte.gz', 't10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz', 'train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz',
  ]);
  expect(fs.readdirSync(fashionMnistRawDir(tmp)).sort()).toEqual(Object.keys(files).sort()); // no temporary files left
  log = [];
  await FashionMNIST.create({ root: tmp, download: true, ...options() });
  expect(log).toEqual([]);
});

test('an interrupted download keeps the complete files and resumes with the missing ones', async () => {
  behaviour = (name) => (name.startsWith('t10k-labels') ? 503 : files[name]);
  await expect(downloadFashionMNIST(tmp, options())).rejects.toThrow(
    /downloadFashionMNIST: could not download t10k-labels-idx1-ubyte\.gz from any mirror:[\s\S]*HTTP 503/,
  );
  expect(fs.readdirSync(fashionMnistRawDir(tmp)).sort()).toEqual(['t10k-images-idx3-ubyte.gz', 'train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz']);
  expect(fashionMnistPresent(tmp, true, null)).toBe(true);
  expect(fashionMnistPresent(tmp, false, null)).toBe(false);
  behaviour = (name) => files[name];
  log = [];
  await downloadFashionMNIST(tmp, options());
  expect(log).toEqual(['t10k-labels-idx1-ubyte.gz']);
  expect(new FashionMNIST({ root: tmp, train: false, systemDir: null }).length).toBe(2);
});

test('a file that never matches its MD5 is never kept', async () => {
  behaviour = (name) => (name === 'train-labels-idx1-ubyte.gz' ? Buffer.alloc(files[name].length, 7) : files[name]);
  await expect(FashionMNIST.create({ root: tmp, download: true, ...options() })).rejects.toThrow(/train-labels-idx1-ubyte\.gz from any mirror:[\s\S]*MD5 mismatch/);
  expect(fs.readdirSync(fashionMnistRawDir(tmp))).toEqual(['train-images-idx3-ubyte.gz']);
  expect(log.filter((n) => n === 'train-labels-idx1-ubyte.gz').length).toBe(2); // both attempts
});

test('without create, a missing set says how to download it; bad options are refused', async () => {
  expect(() => new FashionMNIST({ root: tmp, download: true, systemDir: null })).toThrow(/FashionMNIST\.create\(\{ root: .*, download: true \}\)/);
  await expect(FashionMNIST.create({ root: tmp, download: true, mirrors: [], systemDir: null })).rejects.toThrow('FashionMNIST.create: mirrors must be a non-empty list of base URLs');
  await expect(downloadFashionMNIST(tmp, { attempt: 2 } as never)).rejects.toThrow("downloadFashionMNIST: unknown option 'attempt'");
});

test("the default mirror and MD5s are torchvision 0.14's", () => {
  expect(FASHION_MNIST_MIRRORS).toEqual(['http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/']);
  expect(FASHION_MNIST_RESOURCES).toEqual([
    ['train-images-idx3-ubyte.gz', '8d4fb7e6c68d591d4c3dfef9ec88bf0d'],
    ['train-labels-idx1-ubyte.gz', '25c81989df183df01b3e8a0aad5dffbe'],
    ['t10k-images-idx3-ubyte.gz', 'bef4ecab320f06d8554ea6380940ec79'],
    ['t10k-labels-idx1-ubyte.gz', 'bb300cfdad3c16e7a12a480ee83cd310'],
  ]);
});
