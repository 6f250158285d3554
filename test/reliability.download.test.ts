/**
 * Downloads are bounded in time and fail cleanly: a server that trickles bytes forever meets an
 * overall deadline (the idle timeout alone never fires), and a malformed redirect is an ordinary
 * rejected error, not an uncaught exception that kills the process and leaves its temporary
 * folder behind.
 */
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import type { AddressInfo } from 'net';
import * as os from 'os';
import * as path from 'path';
import { downloadFile } from '../src/data';
import { ensureBuilt } from './helpers/dist';

let tmp: string;
let server: http.Server | null = null;
beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'torchlet-dl-bounds-'));
});
afterEach(async () => {
  if (server) {
    server.closeAllConnections();
    await new Promise((r) => server!.close(r));
    server = null;
  }
  fs.rmSync(tmp, { recursive: true, force: true });
});

async function serve(handler: http.RequestListener): Promise<string> {
  server = http.createServer(handler);
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

test('a server sending one byte at a time meets the overall deadline, retries included', async () => {
  const url = await serve((_req, res) => {
    res.writeHead(200, { 'Content-Length': '100000' });
    // Never idle for as long as the idle timeout: that alone would wait 100000 ticks.
    const tick = setInterval(() => res.write('x'), 50);
    res.on('close', () => clearInterval(tick));
  });
  const dest = path.join(tmp, 'slow.bin');
  const start = Date.now();
  await expect(
    downloadFile(`${url}/slow.bin`, dest, { md5: '0'.repeat(32), progress: false, timeoutMs: 1000, deadlineMs: 1500, attempts: 3, retryDelayMs: 0 }),
  ).rejects.toThrow(/Could not download .*slow\.bin within the 1500 ms deadline:\n {2}attempt 1: not complete within the 1500 ms deadline \(\d+ bytes received\)/);
  expect(Date.now() - start).toBeLessThan(4000);
  expect(fs.readdirSync(tmp)).toEqual([]);
}, 15000);

test('deadlineMs must be positive', async () => {
  await expect(downloadFile('http://127.0.0.1:1/x', path.join(tmp, 'x'), { md5: '0'.repeat(32), deadlineMs: 0 })).rejects.toThrow(
    /deadlineMs must be positive, got 0/,
  );
});

test('a malformed redirect Location is a rejected error (in process)', async () => {
  const url = await serve((_req, res) => {
    res.writeHead(302, { Location: 'http://[::1' });
    res.end();
  });
  await expect(
    downloadFile(`${url}/f.bin`, path.join(tmp, 'f.bin'), { md5: '0'.repeat(32), progress: false, attempts: 1 }),
  ).rejects.toThrow(/attempt 1: HTTP 302 redirect to a malformed Location "http:\/\/\[::1"/);
  expect(fs.readdirSync(tmp)).toEqual([]);
});

// Before, the TypeError was thrown inside the response callback: no try/catch could catch it,
// the process died and the temporary folder stayed. A child process shows both.
test('a malformed redirect neither kills the process nor leaves a temporary folder (child process)', async () => {
  ensureBuilt();
  const url = await serve((_req, res) => {
    res.writeHead(301, { Location: 'http://exa mple.com/x' });
    res.end();
  });
  const childTmp = path.join(tmp, 'child-tmp');
  const root = path.join(tmp, 'data');
  fs.mkdirSync(childTmp);
  // spawnSync would block this process's event loop, and with it the server: run it async.
  const r = await new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, ['-e', `
      const { downloadCIFAR10 } = require(${JSON.stringify(path.resolve(__dirname, '..', 'dist', 'src', 'data'))});
      downloadCIFAR10(process.argv[1], { url: process.argv[2], attempts: 2, retryDelayMs: 0, progress: false })
        .then(() => console.log('resolved'), (e) => console.log('rejected: ' + e.message.split('\\n').join(' | ')));
    `, root, `${url}/cifar-10-binary.tar.gz`], { env: { ...process.env, TMPDIR: childTmp } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 20000);
    child.on('exit', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  expect(r.stdout).toMatch(/^rejected: Could not download .* after 2 attempts: \| +attempt 1: HTTP 301 redirect to a malformed Location "http:\/\/exa mple\.com\/x"/);
  expect(fs.readdirSync(childTmp)).toEqual([]);
  expect(fs.existsSync(root) ? fs.readdirSync(root) : []).toEqual([]);
});
