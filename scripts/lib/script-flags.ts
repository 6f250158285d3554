/**
 * Flags of the small benchmark and profiling scripts: strict parsing (an unknown or misspelt
 * flag is refused, not ignored), `--help` / `-h`, and values that must be positive numbers.
 * Problems print the message and the usage to stderr and exit 2; `--help` prints the usage to
 * stdout and exits 0. Scripts parse their flags before any heavy work, so both return at once.
 */
import { parseArgs } from 'util';

/** 'strings': a repeatable string flag (`--ab x --ab y`), read as an array. */
type FlagKinds = Record<string, 'string' | 'boolean' | 'strings'>;
export type ScriptFlags = Record<string, string | boolean | string[] | undefined>;

/** Prints `script: message`, a blank line and the usage to stderr, and exits 2. */
export function usageError(script: string, usage: string, message: string): never {
  process.stderr.write(`${script}: ${message}\n\n${usage}`);
  process.exit(2);
}

/**
 * The flags and at most `maxPositionals` positional arguments (a script's operands, e.g. the
 * recipe's ROOT and MAX_BATCHES).
 */
export function parseScriptArgs(script: string, usage: string, kinds: FlagKinds, maxPositionals: number,
  argv: string[] = process.argv.slice(2)): { flags: ScriptFlags; positionals: string[] } {
  const options: Record<string, { type: 'string' | 'boolean'; multiple?: boolean; short?: string }> = {
    help: { type: 'boolean', short: 'h' },
  };
  for (const [name, kind] of Object.entries(kinds)) {
    options[name] = kind === 'strings' ? { type: 'string', multiple: true } : { type: kind };
  }
  let parsed: { values: ScriptFlags; positionals: string[] };
  try {
    parsed = parseArgs({ args: joinNegativeValues(argv, kinds), strict: true, allowPositionals: maxPositionals > 0, options }) as typeof parsed;
  } catch (e) {
    usageError(script, usage, (e as Error).message);
  }
  if (parsed.values.help === true) {
    process.stdout.write(usage);
    process.exit(0);
  }
  if (parsed.positionals.length > maxPositionals) {
    usageError(script, usage, `at most ${maxPositionals} arguments, got ${parsed.positionals.length}: ${parsed.positionals.join(' ')}`);
  }
  return { flags: parsed.values, positionals: parsed.positionals };
}

/**
 * `--steps -3` as `--steps=-3`: parseArgs takes a value that starts with a dash for a flag of its
 * own and calls the option "ambiguous"; read as the value it is, the flag's own check then says
 * what is wrong with it ("must be a positive integer, got '-3'").
 */
function joinNegativeValues(argv: string[], kinds: FlagKinds): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const name = argv[i].startsWith('--') ? argv[i].slice(2) : '';
    const kind = Object.prototype.hasOwnProperty.call(kinds, name) ? kinds[name] : undefined;
    if (kind !== undefined && kind !== 'boolean' && i + 1 < argv.length && /^-\.?\d/.test(argv[i + 1])) {
      out.push(`${argv[i]}=${argv[i + 1]}`);
      i++;
    } else out.push(argv[i]);
  }
  return out;
}

/** The flags of a script that takes no positional arguments. */
export function parseScriptFlags(script: string, usage: string, kinds: FlagKinds,
  argv: string[] = process.argv.slice(2)): ScriptFlags {
  return parseScriptArgs(script, usage, kinds, 0, argv).flags;
}

/** `text` (what a flag or operand named `what` was given) as a positive integer; anything else exits 2. */
export function positiveInt(script: string, usage: string, what: string, text: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(n) || n < 1) {
    usageError(script, usage, `${what} must be a positive integer, got '${text}'`);
  }
  return n;
}

/** The flag's value as a positive integer (or `fallback` when absent); anything else exits 2. */
export function positiveIntFlag(script: string, usage: string, values: ScriptFlags,
  name: string, fallback: number): number {
  const v = values[name];
  return v === undefined ? fallback : positiveInt(script, usage, `--${name}`, String(v));
}

/** The flag's value as a positive finite number, e.g. a time budget (or `fallback` when absent). */
export function positiveNumberFlag(script: string, usage: string, values: ScriptFlags,
  name: string, fallback: number): number {
  const v = values[name];
  if (v === undefined) return fallback;
  const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  if (!(Number.isFinite(n) && n > 0)) usageError(script, usage, `--${name} must be a positive number, got '${String(v)}'`);
  return n;
}

/** The flag's value if it is one of `choices` (or `fallback` when absent). */
export function choiceFlag<T extends string>(script: string, usage: string, values: ScriptFlags,
  name: string, choices: readonly T[], fallback: T): T {
  const v = values[name];
  if (v === undefined) return fallback;
  if (typeof v !== 'string' || !(choices as readonly string[]).includes(v)) {
    usageError(script, usage, `--${name} must be ${choices.join(' or ')}, got '${String(v)}'`);
  }
  return v as T;
}
