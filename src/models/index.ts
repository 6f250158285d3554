export { Net } from './seedNet';
export { resnet18, ResNet, BasicBlock } from './resnet';
export type { ResNetOptions, ResNet18Options } from './resnet';
