/**
 * What the ported programs need of Python's print and str.format: a print that goes through a
 * log function (so that tests capture what a program prints) and '{:.Nf}' rounding.
 */

/** Receives what the program prints, one call per Python `print(...)`, with its arguments. */
export type Log = (...args: unknown[]) => void;

/** Python's print to stdout: the arguments, formatted by String(), joined by spaces. */
export function consoleLog(...args: unknown[]): void {
  process.stdout.write(args.map(String).join(' ') + '\n');
}

/**
 * Python's '{:.Nf}' / '%.Nf': like toFixed, except that an exact tie rounds to even, as Python
 * does (format(12.5, '.0f') is '12'; (12.5).toFixed(0) is '13').
 */
export function fixed(x: number, digits: number): string {
  const scaled = x * 10 ** digits;
  const floor = Math.floor(scaled);
  if (Number.isFinite(scaled) && Math.abs(scaled) < 2 ** 52 && scaled - floor === 0.5 && scaled / 10 ** digits === x) {
    return ((floor % 2 === 0 ? floor : floor + 1) / 10 ** digits).toFixed(digits);
  }
  return x.toFixed(digits);
}
