import { spawn } from 'child_process';

export interface Interrupted {
  /** Exit code (null when the default signal action killed the process). */
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `node script ...args`, sends `signal` (default SIGINT, as a user pressing Ctrl-C) as soon
 * as stdout matches `when`, `delayMs` later if given, and resolves with what the process printed
 * and its exit code.
 */
export async function interruptWhen(script: string, args: string[], cwd: string, when: RegExp,
  signal: NodeJS.Signals = 'SIGINT', delayMs = 0): Promise<Interrupted> {
  const child = spawn(process.execPath, [script, ...args], { cwd });
  let stdout = '';
  let stderr = '';
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  await new Promise<void>((resolve) => {
    child.stdout.on('data', (d) => {
      stdout += d;
      if (when.test(stdout)) resolve();
    });
    child.stderr.on('data', (d) => { stderr += d; });
    exited.then(() => resolve());
  });
  if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
  child.kill(signal);
  const code = await exited;
  return { code, stdout, stderr };
}
