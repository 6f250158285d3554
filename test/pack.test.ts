/**
 * The package as a user installs it: scripts/pack-check.sh builds, packs, installs the tarball
 * into an empty folder and uses Tensor, nn and optim from TypeScript (types resolve, strict) and
 * from plain JavaScript. Needs npm's registry or cache for the runtime dependencies.
 */
import { spawnSync } from 'child_process';
import * as path from 'path';

const ROOT = path.join(__dirname, '..');

test('npm pack: the tarball installs and works from TypeScript and JavaScript', () => {
  const result = spawnSync('bash', [path.join(ROOT, 'scripts', 'pack-check.sh')], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 170_000,
    env: { ...process.env, npm_config_loglevel: 'error' },
  });
  const output = `${result.stdout ?? ''}\n${result.stderr ?? ''}`;
  if (result.error) throw new Error(`pack-check.sh could not run: ${result.error.message}\n${output}`);
  if (result.status !== 0) throw new Error(`pack-check.sh exited with ${result.status}:\n${output}`);
  expect(output).toMatch(/ts consumer ok: loss [-\d.]+/);
  expect(output).toMatch(/js consumer ok \(js backend\): loss [-\d.]+/);
  expect(output).toMatch(/js consumer ok \(wasm backend\): loss [-\d.]+/);
}, 180_000);
