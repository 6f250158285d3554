#!/usr/bin/env python3
"""Writes test/fixtures/tar/data-filter-modes.json: what Python tarfile's `data` filter (PEP 706)
does to every permission mode (0o0000-0o7777) of a regular file, a hard link, a directory and
a symbolic link (null: always the default mode), and which entry types it refuses. src/data/extract.ts applies the same rules;
test/reliability.extract.test.ts checks it against this file (tests never run Python).

Needs a Python with tarfile.data_filter (3.12, or 3.8.17+/3.9.17+/3.10.12+/3.11.4+):

    python3 scripts/gen-tar-filter-fixture.py
"""

import json
import os
import sys
import tarfile
import tempfile

if not hasattr(tarfile, 'data_filter'):
    sys.exit(f'this Python ({sys.version.split()[0]}) has no tarfile.data_filter')

TYPES = {
    'File': tarfile.REGTYPE,
    'Link': tarfile.LNKTYPE,
    'Directory': tarfile.DIRTYPE,
    'SymbolicLink': tarfile.SYMTYPE,
    'CharacterDevice': tarfile.CHRTYPE,
    'BlockDevice': tarfile.BLKTYPE,
    'FIFO': tarfile.FIFOTYPE,
}

dest = tempfile.mkdtemp()
modes = {}
refused = []
for name, kind in TYPES.items():
    out = []
    for mode in range(0o10000):
        member = tarfile.TarInfo('entry')
        member.type = kind
        member.mode = mode
        if kind in (tarfile.LNKTYPE, tarfile.SYMTYPE):
            member.linkname = 'target'
        try:
            filtered = tarfile.data_filter(member, dest)
        except tarfile.FilterError:
            out = None
            break
        out.append(filtered.mode)
    if out is None:
        refused.append(name)
    else:
        # null: the filter drops the mode for every input (the entry gets the default mode).
        modes[name] = None if all(m is None for m in out) else out
os.rmdir(dest)

path = os.path.join(os.path.dirname(__file__), '..', 'test', 'fixtures', 'tar', 'data-filter-modes.json')
with open(path, 'w') as f:
    json.dump({'python': sys.version.split()[0], 'refused': refused, 'modes': modes}, f, separators=(',', ':'))
    f.write('\n')
