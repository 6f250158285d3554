/**
 * The README's line-for-line port of the seed recipe (scripts/recipe.ts) runs as written: on a
 * CIFAR-format synthetic set written here (CIFAR-10 itself cannot be downloaded on these
 * machines), through the same CIFAR10 reader, two epochs of 2000 mini-batches, and its printed
 * running loss falls.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { writeSyntheticCifar } from '../src/data';

const script = path.join(__dirname, '..', 'dist', 'scripts', 'recipe.js');

test('scripts/recipe.ts prints the recipe lines and the loss falls', () => {
  if (!fs.existsSync(script)) throw new Error(`${script} is missing: run npm run build (npm test does)`);
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'torchlet-recipe-'));
  try {
    writeSyntheticCifar(root, { trainSize: 8000, testSize: 10, seed: 3 });
    const out = execFileSync(process.execPath, [script, root, '2000'], { encoding: 'utf8', timeout: 90_000 });
    const lines = out.trim().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^\[1, {2}2000\] loss: \d\.\d{3}$/);
    expect(lines[1]).toMatch(/^\[2, {2}2000\] loss: \d\.\d{3}$/);
    expect(lines[2]).toBe('Finished Training');
    const [first, second] = lines.slice(0, 2).map((l) => Number(l.split('loss: ')[1]));
    expect(first).toBeLessThan(2.3);
    expect(second).toBeLessThan(first * 0.8);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});
