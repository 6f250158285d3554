/**
 * torchvision's ResNet-18 (torchvision.models.resnet18): the same modules, names and state-dict
 * keys, so `model.loadStateDict(io.load('resnet18-f37072fd.pth'))` takes torchvision's
 * pretrained file. torchlet downloads nothing: `weights` other than null is refused with how to
 * load the file instead. Initialisation as torchvision's: conv weights kaiming_normal_
 * (fan_out, relu), batch-norm weights 1 and biases 0, the classifier as nn.Linear's default.
 */
import { Tensor } from '../tensor';
import { Module, Conv2d, BatchNorm2d, ReLU, MaxPool2d, Linear, Sequential, init } from '../nn';
import { AdaptiveAvgPool2d } from '../nn/adaptive-pool';
import { flatten } from '../ops';
import { checkOptions } from '../options';

function conv3x3(inPlanes: number, outPlanes: number, stride = 1): Conv2d {
  return new Conv2d(inPlanes, outPlanes, 3, { stride, padding: 1, bias: false });
}

function conv1x1(inPlanes: number, outPlanes: number, stride = 1): Conv2d {
  return new Conv2d(inPlanes, outPlanes, 1, { stride, bias: false });
}

/** torchvision's BasicBlock: two 3x3 convolutions with batch norm and a shortcut. */
export class BasicBlock extends Module {
  static readonly expansion = 1;
  conv1: Conv2d;
  bn1: BatchNorm2d;
  relu: ReLU;
  conv2: Conv2d;
  bn2: BatchNorm2d;
  downsample: Sequential | null;

  constructor(inPlanes: number, planes: number, stride = 1, downsample: Sequential | null = null) {
    super();
    this.conv1 = conv3x3(inPlanes, planes, stride);
    this.bn1 = new BatchNorm2d(planes);
    this.relu = new ReLU();
    this.conv2 = conv3x3(planes, planes);
    this.bn2 = new BatchNorm2d(planes);
    this.downsample = downsample;
  }

  override forward(x: Tensor): Tensor {
    const identity = this.downsample === null ? x : this.downsample.call(x);
    let out = this.relu.call(this.bn1.call(this.conv1.call(x)));
    out = this.bn2.call(this.conv2.call(out));
    return this.relu.call(out.add(identity));
  }
}

export interface ResNetOptions {
  /** Classes of the final layer (torchvision: 1000). */
  numClasses?: number;
}

/** torchvision's ResNet over BasicBlocks, `layers` blocks per stage. */
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
  private inPlanes = 64;

  constructor(layers: readonly [number, number, number, number], options: ResNetOptions = {}) {
    super();
    checkOptions('ResNet', options, ['numClasses']);
    this.conv1 = new Conv2d(3, 64, 7, { stride: 2, padding: 3, bias: false });
    this.bn1 = new BatchNorm2d(64);
    this.relu = new ReLU();
    this.maxpool = new MaxPool2d(3, { stride: 2, padding: 1 });
    this.layer1 = this.makeLayer(64, layers[0]);
    this.layer2 = this.makeLayer(128, layers[1], 2);
    this.layer3 = this.makeLayer(256, layers[2], 2);
    this.layer4 = this.makeLayer(512, layers[3], 2);
    this.avgpool = new AdaptiveAvgPool2d([1, 1]);
    this.fc = new Linear(512 * BasicBlock.expansion, options.numClasses ?? 1000);
    for (const m of this.modules()) {
      if (m instanceof Conv2d) init.kaimingNormal_(m.weight, { mode: 'fan_out', nonlinearity: 'relu' });
    }
  }

  private makeLayer(planes: number, blocks: number, stride = 1): Sequential {
    let downsample: Sequential | null = null;
    if (stride !== 1 || this.inPlanes !== planes * BasicBlock.expansion) {
      downsample = new Sequential(conv1x1(this.inPlanes, planes * BasicBlock.expansion, stride), new BatchNorm2d(planes * BasicBlock.expansion));
    }
    const layers: Module[] = [new BasicBlock(this.inPlanes, planes, stride, downsample)];
    this.inPlanes = planes * BasicBlock.expansion;
    for (let i = 1; i < blocks; i++) layers.push(new BasicBlock(this.inPlanes, planes));
    return new Sequential(...layers);
  }

  override forward(x: Tensor): Tensor {
    x = this.maxpool.call(this.relu.call(this.bn1.call(this.conv1.call(x))));
    x = this.layer4.call(this.layer3.call(this.layer2.call(this.layer1.call(x))));
    x = flatten(this.avgpool.call(x), 1);
    return this.fc.call(x);
  }
}

export interface ResNet18Options extends ResNetOptions {
  /** Pretrained weights: only null (torchvision's weights=None); see the file's comment. */
  weights?: null;
}

/** torchvision.models.resnet18(weights=None, num_classes=1000). */
export function resnet18(options: ResNet18Options = {}): ResNet {
  checkOptions('resnet18', options, ['weights', 'numClasses']);
  if (options.weights !== undefined && options.weights !== null) {
    throw new Error('resnet18: torchlet downloads no pretrained weights; create the model with weights: null and ' +
      'load torchvision\'s file: model.loadStateDict(io.load(\'resnet18-f37072fd.pth\'))');
  }
  return new ResNet([2, 2, 2, 2], { numClasses: options.numClasses });
}
