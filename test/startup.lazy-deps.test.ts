/**
 * `require('torchlet')` loads none of the packages that only some programs need: they are
 * loaded at their first use (src/lazy.ts), so a training loop's heap carries none of their
 * code and every full collection the wasm backend asks for has less to mark.
 */
import { ensureBuilt, runNode } from './helpers/dist';

const THIRD_PARTY = ['tar', 'fflate', 'pngjs', 'jpeg-js', 'cli-progress'];
const NODE_BUILTINS = ['https', 'http', 'zlib', 'worker_threads'];

/** Which of THIRD_PARTY / NODE_BUILTINS running `code` in a fresh node loads. */
function loadedAfter(code: string): { thirdParty: string[]; builtins: string[] } {
  const r = runNode(`
    const before = new Set(process.moduleLoadList); // a bare node has some built in already (crypto)
    ${code}
    const deps = ${JSON.stringify(THIRD_PARTY)};
    const files = Object.keys(require.cache).map((f) => f.split(require('path').sep).join('/'));
    const thirdParty = deps.filter((d) => files.some((f) => f.includes('/node_modules/' + d + '/')));
    const builtins = ${JSON.stringify(NODE_BUILTINS)}.filter((m) => !before.has('NativeModule ' + m) && process.moduleLoadList.includes('NativeModule ' + m));
    console.log(JSON.stringify({ thirdParty, builtins }));
  `);
  if (r.status !== 0) throw new Error(`node failed (${r.status ?? r.signal}):\n${r.stdout}${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!);
}

beforeAll(() => ensureBuilt());

test('requiring the index loads none of tar, fflate, pngjs, jpeg-js, cli-progress, nor https, http, zlib, worker_threads', () => {
  const loaded = loadedAfter(`const torch = require(require('path').join(lib, 'index.js'));
    if (typeof torch.data.DataLoader !== 'function' || typeof torch.io.save !== 'function') throw new Error('namespaces missing');`);
  expect(loaded).toEqual({ thirdParty: [], builtins: [] });
});

test('the check sees a package or module once something loads it', () => {
  // The control: the same probe after the lazy paths' own loads must list them all.
  const loaded = loadedAfter(`require(require('path').join(lib, 'index.js'));
    for (const m of ${JSON.stringify([...THIRD_PARTY, ...NODE_BUILTINS])}) require(m);`);
  expect(loaded).toEqual({ thirdParty: THIRD_PARTY, builtins: NODE_BUILTINS });
});
