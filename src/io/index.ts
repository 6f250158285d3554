export * from './safetensors';
export { writeFileAtomic } from './atomic';
export { lineChartSvg, niceTicks, escapeXml } from './plot';
export type { Series, LineChartOptions } from './plot';
