/**
 * Which data `npm run train` trains on. `auto` follows the order: CIFAR-10 when it is in
 * --data-dir or can be downloaded, else Fashion-MNIST when installed (padded to 32x32 so the
 * seed's Net runs unchanged, with one input channel), else the synthetic CIFAR-format set
 * (written into --data-dir on first use). The returned `reason` is printed as the first line.
 */
import * as https from 'https';
import * as path from 'path';
import {
  CIFAR10, CIFAR10_URL, cifar10Present, downloadCIFAR10, Compose, FashionMNIST, fashionMnistPresent,
  FASHION_MNIST_SYSTEM_DIR, Normalize, Pad, SyntheticCIFAR, ToTensor,
} from '../../src/data';
import type { Dataset, Sample } from '../../src/data';
import type { DatasetChoice } from './train-args';

export interface TrainData {
  name: 'cifar10' | 'fashion-mnist' | 'synthetic';
  label: string;
  reason: string;
  trainset: Dataset<Sample>;
  testset: Dataset<Sample>;
  classes: readonly string[];
  inChannels: number;
}

/** Whether the CIFAR-10 server answers at all within `timeoutMs` (no internet: fails fast). */
export function probeUrl(url: string, timeoutMs: number): Promise<string | null> {
  return new Promise((resolve) => {
    let settled = false;
    const done = (err: string | null) => {
      if (!settled) {
        settled = true;
        resolve(err);
      }
    };
    try {
      const req = https.request(url, { method: 'HEAD', timeout: timeoutMs }, (res) => {
        res.resume();
        const ok = (res.statusCode ?? 0) >= 200 && (res.statusCode ?? 0) < 400;
        done(ok ? null : `HTTP ${res.statusCode}`);
      });
      req.on('timeout', () => {
        req.destroy();
        done(`no answer within ${timeoutMs} ms`);
      });
      req.on('error', (e) => done((e as NodeJS.ErrnoException).code ?? e.message));
      req.end();
    } catch (e) {
      done((e as Error).message);
    }
  });
}

function cifar(dataDir: string, reason: string): TrainData {
  const transform = new Compose([new ToTensor(), new Normalize([0.5, 0.5, 0.5], [0.5, 0.5, 0.5])]);
  return {
    name: 'cifar10',
    label: 'CIFAR-10',
    reason,
    trainset: new CIFAR10({ root: dataDir, train: true, transform }),
    testset: new CIFAR10({ root: dataDir, train: false, transform }),
    classes: ['plane', 'car', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'],
    inChannels: 3,
  };
}

function fashion(dataDir: string, reason: string, systemDir: string | null): TrainData {
  // 28x28 padded by 2 on every side to 32x32 (zeros, i.e. -1 after normalising), so the seed's
  // Net (16 * 5 * 5 features after two conv+pool) runs unchanged.
  const transform = new Compose([new Pad(2), new ToTensor(), new Normalize([0.5], [0.5])]);
  const trainset = new FashionMNIST({ root: dataDir, train: true, transform, systemDir });
  return {
    name: 'fashion-mnist',
    label: 'Fashion-MNIST',
    reason: `${reason} (${path.dirname(trainset.files.images)}, padded to 32x32, 1 input channel)`,
    trainset,
    testset: new FashionMNIST({ root: dataDir, train: false, transform, systemDir }),
    classes: trainset.classes,
    inChannels: 1,
  };
}

function synthetic(dataDir: string, reason: string, sizes: { trainSize?: number; testSize?: number }): TrainData {
  const transform = new Compose([new ToTensor(), new Normalize([0.5, 0.5, 0.5], [0.5, 0.5, 0.5])]);
  const opts = { root: dataDir, ...sizes, transform };
  const trainset = new SyntheticCIFAR({ ...opts, train: true });
  return {
    name: 'synthetic',
    label: 'the synthetic CIFAR-format set',
    reason: `${reason} (${SyntheticCIFAR.directory(dataDir)}: ${trainset.length} train images, 10 shape classes)`,
    trainset,
    testset: new SyntheticCIFAR({ ...opts, train: false }),
    classes: trainset.classes,
    inChannels: 3,
  };
}

export interface SelectOptions {
  /** Synthetic set sizes. */
  trainSize?: number;
  testSize?: number;
  /** Never try to download CIFAR-10 (auto then goes straight to the fallbacks). */
  offline?: boolean;
  /** Where an installed Fashion-MNIST is looked for (default Debian's directory; null: nowhere). */
  fashionSystemDir?: string | null;
  log?: (line: string) => void;
}

export async function selectData(choice: DatasetChoice, dataDir: string, options: SelectOptions = {}): Promise<TrainData> {
  const sizes = { trainSize: options.trainSize, testSize: options.testSize };
  const log = options.log ?? (() => {});
  const systemDir = options.fashionSystemDir === undefined ? FASHION_MNIST_SYSTEM_DIR : options.fashionSystemDir;
  switch (choice) {
    case 'cifar10':
      if (!cifar10Present(dataDir)) {
        if (options.offline) throw new Error(`CIFAR-10 is not in ${dataDir} (${path.join(dataDir, 'cifar-10-batches-bin')}) and --offline forbids downloading it`);
        await downloadCIFAR10(dataDir, { attempts: 3 });
      }
      return cifar(dataDir, `--dataset cifar10`);
    case 'fashion-mnist':
      return fashion(dataDir, '--dataset fashion-mnist', systemDir);
    case 'synthetic':
      return synthetic(dataDir, '--dataset synthetic', sizes);
    case 'auto': {
      if (cifar10Present(dataDir)) return cifar(dataDir, `--dataset auto: CIFAR-10 found in ${dataDir}`);
      const probe = options.offline ? '--offline' : await probeUrl(CIFAR10_URL, 5000);
      if (probe === null) {
        log(`CIFAR-10 is not in ${dataDir}; downloading it from ${CIFAR10_URL}`);
        try {
          await downloadCIFAR10(dataDir, { attempts: 3 });
          return cifar(dataDir, `--dataset auto: CIFAR-10 downloaded into ${dataDir}`);
        } catch (e) {
          log(`CIFAR-10 download failed: ${(e as Error).message.split('\n')[0]}`);
        }
      }
      const why = `CIFAR-10 is not in ${dataDir} and cannot be downloaded (${probe ?? 'download failed'})`;
      if (fashionMnistPresent(dataDir, true, systemDir) && fashionMnistPresent(dataDir, false, systemDir)) {
        return fashion(dataDir, `--dataset auto: ${why}; Fashion-MNIST is installed`, systemDir);
      }
      return synthetic(dataDir, `--dataset auto: ${why}, and Fashion-MNIST is not installed (${systemDir ?? 'no system directory'}); using the synthetic set`, sizes);
    }
  }
}
