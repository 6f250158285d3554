/** The `data.utils` namespace: torchvision.utils' functions under the name a torchvision user looks for. */
export { makeGrid, saveImage, type MakeGridOptions, type SaveImageOptions } from './vision-utils';
