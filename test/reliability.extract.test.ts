/**
 * Tar extraction applies Python tarfile's `data` filter: no setuid/setgid/sticky bits, no
 * group/other write, no ownership from the archive, no special files, nothing out of the
 * destination. The permission rules are checked against what Python's own filter does to every
 * mode (test/fixtures/tar/data-filter-modes.json, from scripts/gen-tar-filter-fixture.py).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { dataFilterMode, safeExtract } from '../src/data';
import { tarball } from './helpers/tarball';

const fixture = JSON.parse(
  fs.readFileSync(path.join(__dirname, 'fixtures', 'tar', 'data-filter-modes.json'), 'utf8'),
) as { python: string; refused: string[]; modes: Record<string, Array<number | null> | null> };

let tmp: string;
let root: string;
beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'torchlet-tar-'));
  root = path.join(tmp, 'root');
  fs.mkdirSync(root);
});
afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

async function extract(entries: Parameters<typeof tarball>[0]): Promise<void> {
  const archive = path.join(tmp, 'a.tar.gz');
  fs.writeFileSync(archive, tarball(entries));
  await safeExtract(archive, root);
}

const modeOf = (p: string) => fs.lstatSync(path.join(root, p)).mode & 0o7777;

test("dataFilterMode is Python's data filter for every mode of every entry type", () => {
  for (const type of ['File', 'Link', 'Directory', 'SymbolicLink']) {
    const expected = fixture.modes[type];
    for (let mode = 0; mode < 0o10000; mode++) {
      const want = expected === null ? undefined : expected[mode] ?? undefined;
      if (dataFilterMode(type, mode) !== want) {
        throw new Error(`${type} mode 0o${mode.toString(8)}: got ${dataFilterMode(type, mode)}, Python ${fixture.python} gives ${want}`);
      }
    }
  }
  expect(fixture.refused.sort()).toEqual(['BlockDevice', 'CharacterDevice', 'FIFO']);
});

test('setuid, setgid and sticky bits and group/other write are dropped from files', async () => {
  await extract([
    { path: 'suid', body: Buffer.from('#!/bin/sh\n'), mode: 0o4755 },
    { path: 'sgid', body: Buffer.from('x'), mode: 0o2775 },
    { path: 'all', body: Buffer.from('x'), mode: 0o7777 },
    { path: 'noexec', body: Buffer.from('x'), mode: 0o6611 },
    { path: 'unreadable', body: Buffer.from('x'), mode: 0o000 },
  ]);
  const umask = process.umask();
  expect(modeOf('suid')).toBe(0o755 & ~umask);
  expect(modeOf('sgid')).toBe(0o755 & ~umask);
  expect(modeOf('all')).toBe(0o755 & ~umask);
  expect(modeOf('noexec')).toBe(0o600 & ~umask); // not executable by its owner: no execute bits at all
  expect(modeOf('unreadable')).toBe(0o600 & ~umask);
});

test('directories get the default mode, whatever the archive says', async () => {
  await extract([
    { path: 'd/', type: 'dir', mode: 0o7777 },
    { path: 'd/f', body: Buffer.from('x') },
  ]);
  expect(modeOf('d')).toBe(0o777 & ~process.umask());
  expect(fs.readFileSync(path.join(root, 'd', 'f'), 'utf8')).toBe('x');
});

test('ownership is never taken from the archive, even as root', async () => {
  await extract([{ path: 'owned', body: Buffer.from('x'), uid: 4321, gid: 4321 }]);
  const st = fs.statSync(path.join(root, 'owned'));
  expect(st.uid).toBe(process.getuid!());
  expect(st.gid).toBe(process.getgid!());
});

test.each([['chardev'], ['fifo']] as const)('a %s entry is refused and nothing is extracted', async (type) => {
  await expect(extract([{ path: 'ok', body: Buffer.from('x') }, { path: 'special', type }])).rejects.toThrow(
    /refusing to extract.*\n.*"special" \(unsupported entry type/,
  );
  expect(fs.readdirSync(root)).toEqual([]);
});
