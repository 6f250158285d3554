/**
 * Flags of the small profiling scripts: strict parsing (an unknown or misspelt flag is refused,
 * not ignored), `--help`, and counts that must be positive integers. Problems print the usage
 * to stderr and exit 2; `--help` prints it to stdout and exits 0.
 */
import { parseArgs } from 'util';

type FlagKinds = Record<string, 'string' | 'boolean'>;

export function parseScriptFlags(script: string, usage: string, kinds: FlagKinds,
  argv: string[] = process.argv.slice(2)): Record<string, string | boolean | undefined> {
  const options: Record<string, { type: 'string' | 'boolean' }> = { help: { type: 'boolean' } };
  for (const [name, type] of Object.entries(kinds)) options[name] = { type };
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({ args: argv, strict: true, allowPositionals: false, options }).values as Record<string, string | boolean | undefined>;
  } catch (e) {
    process.stderr.write(`${script}: ${(e as Error).message}\n\n${usage}`);
    process.exit(2);
  }
  if (values.help === true) {
    process.stdout.write(usage);
    process.exit(0);
  }
  return values;
}

/** The flag's value as a positive integer (or `fallback` when absent); anything else exits 2. */
export function positiveIntFlag(script: string, usage: string, values: Record<string, string | boolean | undefined>,
  name: string, fallback: number): number {
  const v = values[name];
  if (v === undefined) return fallback;
  const n = Number(v);
  if (typeof v !== 'string' || !/^\d+$/.test(v) || !Number.isSafeInteger(n) || n < 1) {
    process.stderr.write(`${script}: --${name} must be a positive integer, got '${String(v)}'\n\n${usage}`);
    process.exit(2);
  }
  return n;
}
