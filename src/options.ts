/**
 * Option checking shared by modules, functionals, optimizers, schedulers and data: PyTorch
 * raises "got an unexpected keyword argument" for a name it does not know, and a TypeError or
 * ValueError for a value of the wrong type or range; an options object in TypeScript would
 * silently ignore a misspelt or unsupported name, so every options object goes through here.
 */

/**
 * The option names of an options interface, as a list that tsc keeps complete: the argument
 * must name every key of T, so adding an option to the interface without accepting it here
 * fails to compile.
 */
export function optionNames<T>(names: { [K in keyof Required<T>]: true }): string[] {
  return Object.keys(names);
}

/**
 * `defaults` overridden by every option that is not undefined. Unlike `options.x ?? default`,
 * a null stays null, so that the type check refuses it as PyTorch refuses `lr=None`.
 */
export function withDefaults<T extends object>(options: Partial<T>, defaults: T): T {
  const out = { ...defaults };
  for (const key of Object.keys(defaults) as Array<keyof T>) {
    if (options[key] !== undefined) out[key] = options[key] as T[keyof T];
  }
  return out;
}

/** "weight_decay" -> "weightDecay": how a name ported from Python is most often misspelt. */
function camelCase(name: string): string {
  return name.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/**
 * Throws unless `options` is undefined or a plain object whose own keys are all in `accepted`.
 * `unsupported` maps PyTorch options this library knows but does not implement to the reason.
 * The error names the offending key and lists the accepted ones.
 */
export function checkOptions(where: string, options: unknown, accepted: readonly string[],
  unsupported: Readonly<Record<string, string>> = {}): void {
  if (options === undefined) return;
  if (options === null || typeof options !== 'object' || Array.isArray(options) || ArrayBuffer.isView(options)) {
    throw new TypeError(`${where}: expected an object { ${accepted.join(', ')} }, got ${describeValue(options)}`);
  }
  for (const key of Object.keys(options)) {
    if (accepted.includes(key)) continue;
    if (Object.prototype.hasOwnProperty.call(unsupported, key)) {
      throw new Error(`${where}: option '${key}' is not supported: ${unsupported[key]}`);
    }
    const hint = camelCase(key) !== key && accepted.includes(camelCase(key)) ? ` (did you mean '${camelCase(key)}'?)` : '';
    throw new Error(`${where}: unknown option '${key}'${hint}; accepted options: ${accepted.length > 0 ? accepted.join(', ') : 'none'}`);
  }
}

/** A value as an error message shows it: its type, and the value when short. */
export function describeValue(v: unknown): string {
  if (v === null) return 'null';
  if (v === undefined) return 'undefined';
  if (typeof v === 'string') return `string ${JSON.stringify(v)}`;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return `${typeof v} ${String(v)}`;
  if (Array.isArray(v)) return `array of length ${v.length}`;
  if (ArrayBuffer.isView(v)) return (v as object).constructor.name;
  if (typeof v === 'function') return 'a function';
  const name = (v as object).constructor?.name;
  return name && name !== 'Object' ? `a ${name}` : 'an object';
}

/**
 * Collects the problems of a set of options, so that a load can report every one of them at
 * once (as PyTorch's load_state_dict does) and a constructor can raise the first one as PyTorch
 * would: TypeError for a wrong type, Error (PyTorch's ValueError) for a value out of range.
 */
export class Problems {
  readonly list: Error[] = [];

  add(problem: Error): void {
    this.list.push(problem);
  }

  /** `value` must be a number (TypeError otherwise) for which `inRange` holds (else `rangeMessage`). */
  number(name: string, value: unknown, inRange: (x: number) => boolean, rangeMessage: string): void {
    if (typeof value !== 'number') this.add(new TypeError(`${name} must be a number, got ${describeValue(value)}`));
    else if (!inRange(value)) this.add(new Error(rangeMessage));
  }

  boolean(name: string, value: unknown): void {
    if (typeof value !== 'boolean') this.add(new TypeError(`${name} must be a boolean, got ${describeValue(value)}`));
  }

  /** A non-negative integer (counters: steps, epochs, positions). */
  count(name: string, value: unknown): void {
    this.number(name, value, (x) => Number.isSafeInteger(x) && x >= 0, `${name} must be a non-negative integer, got ${String(value)}`);
  }

  get empty(): boolean {
    return this.list.length === 0;
  }

  messages(prefix = ''): string[] {
    return this.list.map((e) => prefix + e.message);
  }

  /** Throws the one problem (keeping its class) or an Error listing all of them. */
  throwIfAny(where: string): void {
    if (this.list.length === 0) return;
    throw problemsError(where, this.messages(), this.list.length === 1 && this.list[0] instanceof TypeError);
  }
}

/** One error for a list of problems: `where: problem`, or `where: N problems:` and one per line. */
export function problemsError(where: string, messages: readonly string[], typeError = false): Error {
  if (messages.length === 1) return typeError ? new TypeError(`${where}: ${messages[0]}`) : new Error(`${where}: ${messages[0]}`);
  return new Error(`${where}: ${messages.length} problems:\n\t${messages.join('\n\t')}`);
}
