export { Net } from './seedNet';
export { ResNet, BasicBlock, resnet18, CifarResNet, cifarResNet } from './resnet';
export type { ResNetOptions, ResNet18Options, CifarResNetOptions } from './resnet';
