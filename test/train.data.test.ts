import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { writeSyntheticCifar, FASHION_MNIST_SYSTEM_DIR, fashionMnistPresent } from '../src/data';
import { selectData, probeUrl } from '../scripts/lib/train-data';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'torchlet-select-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

test('auto picks CIFAR-10 when it is in --data-dir', async () => {
  writeSyntheticCifar(dir, { trainSize: 10, testSize: 5 });
  const d = await selectData('auto', dir);
  expect(d.name).toBe('cifar10');
  expect(d.reason).toBe(`--dataset auto: CIFAR-10 found in ${dir}`);
  expect(d.inChannels).toBe(3);
  expect(d.trainset.length).toBe(10);
  expect(d.classes[0]).toBe('plane');
});

test('auto falls back to the synthetic set (written on first use) when nothing else is there', async () => {
  const d = await selectData('auto', dir, { offline: true, fashionSystemDir: null, trainSize: 20, testSize: 10 });
  expect(d.name).toBe('synthetic');
  expect(d.reason).toMatch(/CIFAR-10 is not in .* and cannot be downloaded \(--offline\), and Fashion-MNIST is not installed/);
  expect(d.trainset.length).toBe(20);
  expect(d.testset.length).toBe(10);
  const [image, label] = d.trainset.get(0) as [{ shape: number[]; data: Float32Array }, number];
  expect(image.shape).toEqual([3, 32, 32]);
  expect(label).toBeGreaterThanOrEqual(0);
});

(fashionMnistPresent(os.tmpdir(), true) ? test : test.skip)('auto uses the installed Fashion-MNIST, padded to 32x32 with one channel', async () => {
  const d = await selectData('auto', dir, { offline: true });
  expect(d.name).toBe('fashion-mnist');
  expect(d.reason).toContain(FASHION_MNIST_SYSTEM_DIR);
  expect(d.inChannels).toBe(1);
  expect(d.trainset.length).toBe(60000);
  expect(d.testset.length).toBe(10000);
  const [image] = d.trainset.get(0) as [{ shape: number[]; data: Float32Array }, number];
  expect(image.shape).toEqual([1, 32, 32]);
  expect(image.data[0]).toBe(-1); // padding is black, normalised to -1
  expect(Math.max(...image.data)).toBeLessThanOrEqual(1);
});

test('--dataset cifar10 offline without the files says so', async () => {
  await expect(selectData('cifar10', dir, { offline: true })).rejects.toThrow(/CIFAR-10 is not in .* --offline forbids downloading/);
});

test('the download probe fails fast on a refused connection', async () => {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((r) => server.close(() => r()));
  const t0 = Date.now();
  expect(await probeUrl(`https://127.0.0.1:${port}/x`, 2000)).toBe('ECONNREFUSED');
  expect(Date.now() - t0).toBeLessThan(2000);
});
