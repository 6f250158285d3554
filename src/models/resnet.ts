/**
 * ResNets with torchvision 0.14's module tree, so that parameter and buffer names (conv1,
 * bn1, layer1.0.conv1, layer2.0.downsample.0 / .1, fc, ...) and shapes are torchvision's and
 * its state dicts load with strict checking:
 *
 * - `resnet18({ numClasses, width })`: torchvision.models.resnet18 (BasicBlock, [2, 2, 2, 2]);
 *   `width` scales the stem and the four stages (64 -> width, 128 -> 2 width, ...), 64 being
 *   torchvision's own network.
 * - `cifarResNet({ depth, inChannels, numClasses, width })`: the CIFAR ResNet of He et al.
 *   (2016, section 4.2): a 3x3 stem, three stages of (depth - 2) / 6 BasicBlocks at width,
 *   2 width and 4 width channels (16/32/64 by default), global average pooling and fc. The
 *   shortcut that changes shape is a 1x1 conv + BatchNorm (torchvision's downsample, the
 *   paper's option B), so the same BasicBlock serves both.
 *
 * Initialisation is torchvision's: convs kaiming_normal_(mode='fan_out', nonlinearity='relu'),
 * BatchNorm weight 1 and bias 0, fc PyTorch's Linear default.
 */
import { Tensor } from '../tensor';
import { Module, Conv2d, BatchNorm2d, Linear, MaxPool2d, ReLU, Sequential, AdaptiveAvgPool2d } from '../nn';
import { kaimingNormal_ } from '../nn/init';
import { add, relu, flatten } from '../ops';
import { checkOptions, optionNames } from '../options';

function conv3x3(inPlanes: number, outPlanes: number, stride = 1): Conv2d {
  return new Conv2d(inPlanes, outPlanes, 3, { stride, padding: 1, bias: false });
}

function conv1x1(inPlanes: number, outPlanes: number, stride = 1): Conv2d {
  return new Conv2d(inPlanes, outPlanes, 1, { stride, bias: false });
}

/** torchvision.models.resnet.BasicBlock (expansion 1). */
export class BasicBlock extends Module {
  static readonly expansion = 1;
  conv1: Conv2d;
  bn1: BatchNorm2d;
  relu: ReLU;
  conv2: Conv2d;
  bn2: BatchNorm2d;
  downsample: Sequential | null;
  readonly stride: number;

  constructor(inPlanes: number, planes: number, stride = 1, downsample: Sequential | null = null) {
    super();
    this.conv1 = conv3x3(inPlanes, planes, stride);
    this.bn1 = new BatchNorm2d(planes);
    this.relu = new ReLU();
    this.conv2 = conv3x3(planes, planes);
    this.bn2 = new BatchNorm2d(planes);
    this.downsample = downsample;
    this.stride = stride;
  }

  override forward(x: Tensor): Tensor {
    const identity = this.downsample === null ? x : this.downsample.forward(x);
    let out = relu(this.bn1.forward(this.conv1.forward(x)));
    out = this.bn2.forward(this.conv2.forward(out));
    return relu(add(out, identity));
  }
}

/** Builds one stage: `blocks` BasicBlocks, the first with `stride` and, when shapes change, a downsample. */
function makeLayer(inPlanes: number, planes: number, blocks: number, stride: number): Sequential {
  let downsample: Sequential | null = null;
  if (stride !== 1 || inPlanes !== planes * BasicBlock.expansion) {
    downsample = new Sequential(conv1x1(inPlanes, planes * BasicBlock.expansion, stride), new BatchNorm2d(planes * BasicBlock.expansion));
  }
  const layers: Module[] = [new BasicBlock(inPlanes, planes, stride, downsample)];
  for (let i = 1; i < blocks; i++) layers.push(new BasicBlock(planes * BasicBlock.expansion, planes));
  return new Sequential(...layers);
}

/** torchvision's weight init (ResNet.__init__): kaiming-normal fan_out convs, BN 1 / 0. */
function initWeights(model: Module): void {
  for (const m of model.modules()) {
    if (m instanceof Conv2d) kaimingNormal_(m.weight, { mode: 'fan_out', nonlinearity: 'relu' });
    else if (m instanceof BatchNorm2d) {
      m.weight!.data.fill_(1);
      m.bias!.data.fill_(0);
    }
  }
}

function positiveInteger(where: string, name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) throw new Error(`${where}: ${name} must be a positive integer, got ${value}`);
  return value;
}

export interface ResNetOptions {
  /** Outputs of fc (default 1000, as torchvision). */
  numClasses?: number;
  /** Channels of the stem and first stage (default 64, torchvision's); the stages are width x 1, 2, 4, 8. */
  width?: number;
  /** Input channels (default 3). */
  inChannels?: number;
}

const RESNET_OPTIONS = optionNames<ResNetOptions>({ numClasses: true, width: true, inChannels: true });

/** torchvision.models.resnet.ResNet with BasicBlock (ImageNet stem: 7x7/2 conv, 3x3/2 max pool). */
export class ResNet extends Module {
  conv1: Conv2d;
  bn1: BatchNorm2d;
  relu: ReLU;
  maxpool: MaxPool2d;
  layer1: Sequential;
  layer2: Sequential;
  layer3: Sequential;
  layer4: Sequential;
  avgpool: AdaptiveAvgPool2d;
  fc: Linear;

  constructor(layers: [number, number, number, number], options: ResNetOptions = {}) {
    super();
    checkOptions('ResNet', options, RESNET_OPTIONS);
    const width = positiveInteger('ResNet', 'width', options.width ?? 64);
    const numClasses = positiveInteger('ResNet', 'numClasses', options.numClasses ?? 1000);
    const inChannels = positiveInteger('ResNet', 'inChannels', options.inChannels ?? 3);
    this.conv1 = new Conv2d(inChannels, width, 7, { stride: 2, padding: 3, bias: false });
    this.bn1 = new BatchNorm2d(width);
    this.relu = new ReLU();
    this.maxpool = new MaxPool2d(3, 2, 1);
    this.layer1 = makeLayer(width, width, layers[0], 1);
    this.layer2 = makeLayer(width, 2 * width, layers[1], 2);
    this.layer3 = makeLayer(2 * width, 4 * width, layers[2], 2);
    this.layer4 = makeLayer(4 * width, 8 * width, layers[3], 2);
    this.avgpool = new AdaptiveAvgPool2d([1, 1]);
    this.fc = new Linear(8 * width * BasicBlock.expansion, numClasses);
    initWeights(this);
  }

  override forward(x: Tensor): Tensor {
    x = this.maxpool.forward(relu(this.bn1.forward(this.conv1.forward(x))));
    x = this.layer4.forward(this.layer3.forward(this.layer2.forward(this.layer1.forward(x))));
    return this.fc.forward(flatten(this.avgpool.forward(x), 1));
  }
}

export interface ResNet18Options extends ResNetOptions {
  /** Pretrained weights: only null (torchvision's weights=None); torchlet downloads nothing. */
  weights?: null;
}

/**
 * torchvision.models.resnet18(weights=None): ResNet(BasicBlock, [2, 2, 2, 2]), untrained. Other
 * `weights` are refused with how to load torchvision's file instead.
 */
export function resnet18(options: ResNet18Options = {}): ResNet {
  const { weights, ...rest } = options;
  if (weights !== undefined && weights !== null) {
    throw new Error('resnet18: torchlet downloads no pretrained weights; create the model with weights: null and ' +
      'load torchvision\'s file: model.loadStateDict(io.load(\'resnet18-f37072fd.pth\'))');
  }
  return new ResNet([2, 2, 2, 2], rest);
}

export interface CifarResNetOptions {
  /** 6n + 2 layers: 8, 14, 20 (default), 32, 44, 56, 110. */
  depth?: number;
  /** Input channels (default 3; 1 for Fashion-MNIST). */
  inChannels?: number;
  /** Outputs of fc (default 10). */
  numClasses?: number;
  /** Channels of the first stage (default 16); the stages are width x 1, 2, 4. */
  width?: number;
}

const CIFAR_RESNET_OPTIONS = optionNames<CifarResNetOptions>({ depth: true, inChannels: true, numClasses: true, width: true });

/** The CIFAR-10 ResNet of He et al. (3x3 stem, three stages, no max pool); any input size. */
export class CifarResNet extends Module {
  readonly depth: number;
  readonly inChannels: number;
  readonly numClasses: number;
  readonly width: number;
  conv1: Conv2d;
  bn1: BatchNorm2d;
  relu: ReLU;
  layer1: Sequential;
  layer2: Sequential;
  layer3: Sequential;
  avgpool: AdaptiveAvgPool2d;
  fc: Linear;

  constructor(options: CifarResNetOptions = {}) {
    super();
    checkOptions('CifarResNet', options, CIFAR_RESNET_OPTIONS);
    const depth = options.depth ?? 20;
    if (!Number.isInteger(depth) || depth < 8 || (depth - 2) % 6 !== 0) {
      throw new Error(`CifarResNet: depth must be 6n + 2 with n >= 1 (8, 14, 20, 32, ...), got ${depth}`);
    }
    this.depth = depth;
    this.inChannels = positiveInteger('CifarResNet', 'inChannels', options.inChannels ?? 3);
    this.numClasses = positiveInteger('CifarResNet', 'numClasses', options.numClasses ?? 10);
    this.width = positiveInteger('CifarResNet', 'width', options.width ?? 16);
    const n = (depth - 2) / 6;
    const w = this.width;
    this.conv1 = conv3x3(this.inChannels, w);
    this.bn1 = new BatchNorm2d(w);
    this.relu = new ReLU();
    this.layer1 = makeLayer(w, w, n, 1);
    this.layer2 = makeLayer(w, 2 * w, n, 2);
    this.layer3 = makeLayer(2 * w, 4 * w, n, 2);
    this.avgpool = new AdaptiveAvgPool2d([1, 1]);
    this.fc = new Linear(4 * w, this.numClasses);
    initWeights(this);
  }

  override forward(x: Tensor): Tensor {
    x = relu(this.bn1.forward(this.conv1.forward(x)));
    x = this.layer3.forward(this.layer2.forward(this.layer1.forward(x)));
    return this.fc.forward(flatten(this.avgpool.forward(x), 1));
  }
}

/** `new CifarResNet(options)`: ResNet-20 by default; `{ depth: 8 }` is the smallest. */
export function cifarResNet(options: CifarResNetOptions = {}): CifarResNet {
  return new CifarResNet(options);
}
