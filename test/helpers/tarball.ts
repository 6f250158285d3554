/** A minimal ustar writer, so tests can build archives tar itself would never create. */
import * as zlib from 'zlib';

export interface TarEntry {
  path: string;
  type?: 'file' | 'dir' | 'symlink' | 'link' | 'chardev' | 'fifo';
  body?: Buffer;
  linkpath?: string;
  /** Permission bits as stored in the header (default 0o644 for files, 0o755 for directories). */
  mode?: number;
  uid?: number;
  gid?: number;
}

function octal(n: number, width: number): string {
  return n.toString(8).padStart(width - 1, '0') + '\0';
}

/** The gzipped archive of `entries`, in order. */
export function tarball(entries: TarEntry[]): Buffer {
  const blocks: Buffer[] = [];
  for (const e of entries) {
    const body = e.body ?? Buffer.alloc(0);
    const header = Buffer.alloc(512);
    const flag = { file: '0', link: '1', symlink: '2', chardev: '3', dir: '5', fifo: '6' }[e.type ?? 'file'];
    header.write(e.path, 0, 100, 'utf8');
    header.write(octal(e.mode ?? (e.type === 'dir' ? 0o755 : 0o644), 8), 100);
    header.write(octal(e.uid ?? 0, 8), 108);
    header.write(octal(e.gid ?? 0, 8), 116);
    header.write(octal(e.type === 'file' || !e.type ? body.length : 0, 12), 124);
    header.write(octal(1700000000, 12), 136);
    header.write('        ', 148);
    header.write(flag, 156);
    if (e.linkpath) header.write(e.linkpath, 157, 100, 'utf8');
    header.write('ustar\0', 257);
    header.write('00', 263);
    let sum = 0;
    for (const b of header) sum += b;
    header.write(octal(sum, 7) + ' ', 148);
    blocks.push(header);
    if (body.length) blocks.push(body, Buffer.alloc((512 - (body.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  return zlib.gzipSync(Buffer.concat(blocks));
}
