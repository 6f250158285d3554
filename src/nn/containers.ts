/** Sequential and ModuleList: submodules registered under '0', '1', ... as in PyTorch. */
import { Tensor } from '../tensor';
import { Module } from './module';

/** torch.nn.Sequential: forward runs the modules in order. */
export class Sequential extends Module {
  constructor(...modules: Module[]) {
    super();
    modules.forEach((m, i) => {
      if (!(m instanceof Module)) throw new TypeError(`Sequential: argument ${i} is not a Module`);
      this.registerModule(String(i), m);
    });
  }

  get length(): number {
    return this.children().length;
  }

  at(index: number): Module {
    const children = this.children();
    const m = children[index < 0 ? children.length + index : index];
    if (m === undefined) throw new Error(`Sequential: index ${index} is out of range (length ${children.length})`);
    return m;
  }

  override forward(input: Tensor): Tensor {
    let x = input;
    for (const m of this.children()) x = m.forward(x);
    return x;
  }
}

/** torch.nn.ModuleList: holds submodules so that their parameters are registered. */
export class ModuleList extends Module {
  constructor(modules: Module[] = []) {
    super();
    for (const m of modules) this.append(m);
  }

  append(module: Module): this {
    this.registerModule(String(this.children().length), module);
    return this;
  }

  get length(): number {
    return this.children().length;
  }

  at(index: number): Module {
    const children = this.children();
    return children[index < 0 ? children.length + index : index];
  }

  [Symbol.iterator](): Iterator<Module> {
    return this.children()[Symbol.iterator]();
  }
}
