/**
 * Sequential, ModuleList and ModuleDict. Sequential and ModuleList register their modules
 * under '0', '1', ... as in PyTorch; TypeScript has no `model[0]`, so indexing is `at(i)`
 * (negative counts from the end) and slicing `slice(start, end)`.
 */
import { Tensor } from '../tensor';
import { Module } from './module';

/** PyTorch's index check for a container of `length` modules, negative indices from the end. */
function normalizedIndex(where: string, index: number, length: number): number {
  if (!Number.isInteger(index)) throw new TypeError(`${where}: index must be an integer, got ${index}`);
  if (index < -length || index >= length) throw new RangeError(`index ${index} is out of range`);
  return index < 0 ? index + length : index;
}

/** Python's slice(start, end) bounds over `length` items (negative from the end, clamped). */
function sliceBounds(length: number, start = 0, end = length): [number, number] {
  const clamp = (i: number): number => Math.min(Math.max(i < 0 ? i + length : i, 0), length);
  return [clamp(start), clamp(end)];
}

/** torch.nn.Sequential: forward runs the modules in order. */
export class Sequential extends Module {
  /** `new Sequential(a, b, c)`, or `new Sequential(new Map([['conv', a], ...]))` for named modules. */
  constructor(...modules: Module[] | [Map<string, Module>]) {
    super();
    if (modules.length === 1 && modules[0] instanceof Map) {
      for (const [name, m] of modules[0]) {
        if (!(m instanceof Module)) throw new TypeError(`Sequential: ${name} is not a Module`);
        this.registerModule(name, m);
      }
      return;
    }
    (modules as Module[]).forEach((m, i) => {
      if (!(m instanceof Module)) throw new TypeError(`Sequential: argument ${i} is not a Module`);
      this.registerModule(String(i), m);
    });
  }

  /** len(model). */
  get length(): number {
    return this.children().length;
  }

  /** model[index]. */
  at(index: number): Module {
    const children = this.children();
    return children[normalizedIndex('Sequential', index, children.length)];
  }

  /** model[start:end]: a Sequential of the same modules, under their original names (as PyTorch). */
  slice(start?: number, end?: number): Sequential {
    const named = this.namedChildren();
    const [from, to] = sliceBounds(named.length, start, end);
    return new Sequential(new Map(named.slice(from, to)));
  }

  /** Adds a module at the end, under the next index. */
  append(module: Module): this {
    if (!(module instanceof Module)) throw new TypeError('Sequential.append: expected a Module');
    this.registerModule(String(this.children().length), module);
    return this;
  }

  [Symbol.iterator](): Iterator<Module> {
    return this.children()[Symbol.iterator]();
  }

  override forward(input: Tensor): Tensor {
    let x = input;
    for (const m of this.children()) x = m.call(x);
    return x;
  }
}

/** torch.nn.ModuleList: holds submodules so that their parameters are registered. */
export class ModuleList extends Module {
  constructor(modules: Iterable<Module> = []) {
    super();
    for (const m of modules) this.append(m);
  }

  append(module: Module): this {
    if (!(module instanceof Module)) throw new TypeError('ModuleList.append: expected a Module');
    this.registerModule(String(this.children().length), module);
    return this;
  }

  /** Appends every module of `modules`. */
  extend(modules: Iterable<Module>): this {
    for (const m of modules) this.append(m);
    return this;
  }

  get length(): number {
    return this.children().length;
  }

  at(index: number): Module {
    const children = this.children();
    return children[normalizedIndex('ModuleList', index, children.length)];
  }

  /** list[start:end]: a ModuleList of the same modules, renumbered from 0 (as PyTorch). */
  slice(start?: number, end?: number): ModuleList {
    const children = this.children();
    const [from, to] = sliceBounds(children.length, start, end);
    return new ModuleList(children.slice(from, to));
  }

  [Symbol.iterator](): Iterator<Module> {
    return this.children()[Symbol.iterator]();
  }
}

/** torch.nn.ModuleDict: submodules by name, in insertion order. */
export class ModuleDict extends Module {
  constructor(modules: Map<string, Module> | Record<string, Module> = {}) {
    super();
    this.update(modules);
  }

  /** dict[key]; a missing key throws as Python's KeyError. */
  get(key: string): Module {
    const found = this.namedChildren().find(([name]) => name === key);
    if (found === undefined) throw new Error(`KeyError: '${key}'`);
    return found[1];
  }

  /** dict[key] = module. */
  set(key: string, module: Module): this {
    if (!(module instanceof Module)) throw new TypeError(`ModuleDict: ${key} is not a Module`);
    const existing = (this as unknown as Record<string, unknown>)[key];
    if (key in this && !(existing instanceof Module) && existing !== null) {
      throw new Error(`KeyError: "attribute '${key}' already exists"`);
    }
    this.registerModule(key, module);
    return this;
  }

  has(key: string): boolean {
    return this.namedChildren().some(([name]) => name === key);
  }

  /** Removes key and returns its module. */
  pop(key: string): Module {
    const m = this.get(key);
    delete (this as unknown as Record<string, unknown>)[key];
    return m;
  }

  update(modules: Map<string, Module> | Record<string, Module>): this {
    const entries = modules instanceof Map ? [...modules] : Object.entries(modules);
    for (const [k, m] of entries) this.set(k, m);
    return this;
  }

  keys(): string[] {
    return this.namedChildren().map(([k]) => k);
  }

  values(): Module[] {
    return this.children();
  }

  items(): Array<[string, Module]> {
    return this.namedChildren();
  }

  get length(): number {
    return this.children().length;
  }

  [Symbol.iterator](): Iterator<string> {
    return this.keys()[Symbol.iterator]();
  }
}
