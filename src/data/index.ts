/** Data loading: datasets, transforms and the DataLoader (torch.utils.data + torchvision). */
export type { Dataset, Image, ImageLayout, Sample, Spec } from './types';
export { TensorDataset, Subset, type ArrayLike } from './dataset';
export { ConcatDataset, randomSplit, splitLengths } from './split';
export { DataLoader, defaultCollate, type Batch, type DataLoaderOptions, type IterOptions } from './dataloader';
export { collateRaw, type RawBatch } from './collate';
export { collate } from './default-collate';
export { liveWorkerCount, workerScriptPath } from './worker-pool';
export {
  Compose, ToTensor, Normalize, Pad, transformFromSpec, applyTransform,
  type Transform, type TransformLike,
} from './transforms';
export { ImageDataset, InMemoryImageDataset, type InMemoryImageDatasetOptions } from './image-dataset';
export {
  CIFAR10, CIFAR10_CLASSES, CIFAR10_URL, CIFAR10_MD5, CIFAR10_DIR, cifar10Present, downloadCIFAR10, readCifarFiles,
  type CIFAR10Options,
} from './cifar10';
export {
  FashionMNIST, FASHION_MNIST_CLASSES, FASHION_MNIST_SYSTEM_DIR, FASHION_MNIST_MIRRORS, FASHION_MNIST_RESOURCES, fashionMnistPresent,
  fashionMnistRawDir, findFashionMnistDir, downloadFashionMNIST, type FashionMNISTOptions,
} from './fashion-mnist';
export {
  MNIST, MNIST_CLASSES, MNIST_MIRRORS, MNIST_RESOURCES, mnistPresent, mnistRawDir, downloadMNIST, type MNISTOptions,
} from './mnist';
export { FakeData, floatToPilBytes, type FakeDataOptions } from './fake-data';
export {
  SyntheticCIFAR, SYNTHETIC_CLASSES, writeSyntheticCifar, syntheticCifarPresent,
  type SyntheticOptions, type SyntheticCIFAROptions,
} from './synthetic';
export { parseIdx, parseIdxHeader, readIdx, encodeIdx, readMaybeGzip, IDX_MAX_DATA_BYTES } from './idx';
export { downloadFile, md5File, DEFAULT_DOWNLOAD_DEADLINE_MS, type DownloadOptions } from './download';
export { safeExtract, unsafeEntryReason, dataFilterMode } from './extract';
export { datasetFromSpec } from './registry';
export {
  RandomCrop, RandomHorizontalFlip, Resize, CenterCrop, ColorJitter,
  type RandomCropOptions, type ColorJitterOptions,
} from './vision-transforms';
export {
  pad, crop, hflip, resize, centerCrop, adjustBrightness, adjustContrast, adjustSaturation, adjustHue, getDimensions,
  type ResizeOptions,
} from './vision-functional';
export type { PaddingMode, Interpolation } from './image-geometry';
export type { ImageOrTensor } from './image-planes';
export { ImageFolder, IMG_EXTENSIONS, findClasses, makeDataset, type ImageFolderOptions } from './image-folder';
export { decodeImage, loadImageFile, imageFormat, IMAGE_MAX_FILE_BYTES, IMAGE_MAX_PIXELS, type FileIdentity } from './image-decode';
// torchvision.utils: data.utils.makeGrid / data.utils.saveImage (also data.makeGrid, data.saveImage).
export * as utils from './vision-utils-namespace';
export { makeGrid, saveImage, type MakeGridOptions, type SaveImageOptions } from './vision-utils';
