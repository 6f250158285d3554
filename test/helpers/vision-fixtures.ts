/** Reads the fixtures of scripts/gen-fixtures-vision.py (uint8 or float32 arrays in base64). */
import * as fs from 'fs';
import * as path from 'path';

export const VISION_DIR = path.join(__dirname, '..', 'fixtures', 'vision');

export interface VisionArrayJson { shape: number[]; dtype: 'u8' | 'f32'; b64: string }

export function visionArray(a: VisionArrayJson): Uint8Array | Float32Array {
  const bytes = Buffer.from(a.b64, 'base64');
  if (a.dtype === 'u8') return new Uint8Array(bytes);
  const out = new Float32Array(bytes.length / 4);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(i * 4, true);
  return out;
}

export function readVisionFixture<T>(name: string): T {
  return JSON.parse(fs.readFileSync(path.join(VISION_DIR, name), 'utf8')) as T;
}

/** Largest |a_i - b_i|; throws when the lengths differ. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`lengths differ: ${a.length} and ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}
