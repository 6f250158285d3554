/** Rebuilds datasets from their `workerSpec()` descriptions (used inside worker threads). */
import { CIFAR10 } from './cifar10';
import { Subset, TensorDataset } from './dataset';
import { FakeData } from './fake-data';
import { FashionMNIST } from './fashion-mnist';
import { SyntheticCIFAR } from './synthetic';
import { ConcatDataset } from './split';
import { MNIST } from './mnist';
import { InMemoryImageDataset } from './image-dataset';
import { ImageFolder } from './image-folder';
import { transformFromSpec } from './transforms';
import type { Dataset, Spec } from './types';

export function datasetFromSpec(spec: Spec): Dataset<unknown> {
  const o = { ...(spec.options ?? {}) } as Record<string, any>;
  if (o.transform) o.transform = transformFromSpec(o.transform as Spec);
  if (spec.module) {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const Cls = require(spec.module)[spec.exportName ?? spec.kind];
    if (typeof Cls !== 'function') throw new Error(`datasetFromSpec: ${spec.module} has no export '${spec.exportName ?? spec.kind}'`);
    return new Cls(o);
  }
  switch (spec.kind) {
    case 'CIFAR10':
      return new CIFAR10(o as any);
    case 'FakeData':
      return new FakeData(o as any);
    case 'FashionMNIST':
      return new FashionMNIST(o as any);
    case 'MNIST':
      return new MNIST(o as any);
    case 'InMemoryImageDataset':
      return new InMemoryImageDataset(o as any);
    case 'ImageFolder':
      return ImageFolder.fromWorkerOptions(o as any);
    case 'SyntheticCIFAR':
      return new SyntheticCIFAR(o as any);
    case 'TensorDataset':
      return new TensorDataset(o.inputs, o.labels);
    case 'Subset':
      return new Subset(datasetFromSpec(o.dataset as Spec), o.indices);
    case 'ConcatDataset':
      return new ConcatDataset((o.datasets as Spec[]).map(datasetFromSpec));
    default:
      throw new Error(`datasetFromSpec: unknown dataset kind '${spec.kind}'`);
  }
}
