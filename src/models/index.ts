export { Net } from './seedNet';
export { ResNet, BasicBlock, GlobalAvgPool2d, resnet18, CifarResNet, cifarResNet } from './resnet';
export type { ResNetOptions, CifarResNetOptions } from './resnet';
