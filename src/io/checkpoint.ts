/**
 * Training checkpoints in the safetensors format.
 *
 * Tensors:
 *   <PyTorch parameter name>                      the model's state dict (`conv1.weight`, ...), so
 *                                                 `safetensors.torch.load_file` + `net.load_state_dict`
 *                                                 loads the weights in PyTorch unchanged
 *   optimizer.state.<paramIndex>.<key>            each tensor in the optimizer's per-parameter state
 *                                                 (e.g. `optimizer.state.0.momentumBuffer`)
 * `__metadata__` (strings only, by the format):
 *   format: "pt"                                  what safetensors.torch writes
 *   torchlet: JSON of CheckpointMeta              param groups, non-tensor optimizer state, epoch,
 *                                                 step, RNG state and anything in `extra`
 *
 * Loading validates everything before it touches the model or the optimizer, as PyTorch's
 * `_load_from_state_dict` does: missing, extra, mis-shaped and mis-typed tensors, the optimizer's
 * layout, options and state (through its `checkStateDict`), epoch, step and RNG state, and the
 * caller's own `extra` (through `checkExtra`). Every problem found is reported in one error, and
 * a bad file changes nothing.
 */
import { Tensor } from '../tensor';
import { generatorStateProblem } from '../random';
import type { GeneratorState } from '../random';
import { checkOptions, describeValue, optionNames } from '../options';
import { loadFile, saveFile, toSafeTensor, SAFETENSORS_DTYPE, SafeTensor, SafetensorsFile, Metadata } from './safetensors';

export const CHECKPOINT_FORMAT = 'torchlet-checkpoint-v1';
const OPTIMIZER_PREFIX = 'optimizer.state.';

export class CheckpointError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CheckpointError';
  }
}

type StateDict = Record<string, Tensor> | Map<string, Tensor>;

/** What a checkpoint needs of a model: PyTorch's state_dict / load_state_dict. */
export interface ModuleLike {
  stateDict(): StateDict;
  loadStateDict(state: any, ...rest: any[]): unknown;
}

export interface OptimizerStateDict {
  state: Record<number, Record<string, unknown>>;
  paramGroups: Array<object & { params: number[] }>;
}

/** What a checkpoint needs of an optimizer: PyTorch's state_dict / load_state_dict. */
export interface OptimizerLike {
  stateDict(): OptimizerStateDict;
  loadStateDict(state: any): unknown;
  /** Every problem loadStateDict(state) would raise, changing nothing (optim.Optimizer has it). */
  checkStateDict?(state: OptimizerStateDict): string[];
  paramGroups?: ReadonlyArray<{ params: ReadonlyArray<Tensor> }>;
}

export interface LoadCheckpointTarget {
  model: ModuleLike;
  optimizer?: OptimizerLike | null;
  /** The problems of the checkpoint's `extra` (the caller's own loop state), reported with the rest. */
  checkExtra?: (extra: Record<string, unknown>) => string[];
}

export interface CheckpointState {
  epoch?: number;
  step?: number;
  generatorState?: GeneratorState | null;
  /** Anything JSON-serialisable (loader position, running loss, run name, ...). */
  extra?: Record<string, unknown>;
}

export interface SaveCheckpointOptions extends CheckpointState {
  model: ModuleLike;
  optimizer?: OptimizerLike | null;
}

export interface LoadedCheckpoint extends Required<Omit<CheckpointState, 'generatorState'>> {
  generatorState: GeneratorState | null;
  /** The raw `__metadata__` of the file. */
  metadata: Metadata;
}

interface CheckpointMeta {
  format: string;
  epoch: number;
  step: number;
  generatorState: GeneratorState | null;
  extra: Record<string, unknown>;
  optimizer: {
    paramGroups: OptimizerStateDict['paramGroups'];
    /** Per-parameter state that is not a tensor (e.g. step counters), by param index. */
    scalarState: Record<string, Record<string, unknown>>;
  } | null;
}

const SAVE_OPTIONS = optionNames<SaveCheckpointOptions>({ model: true, optimizer: true, epoch: true, step: true, generatorState: true, extra: true });
const LOAD_OPTIONS = optionNames<LoadCheckpointTarget>({ model: true, optimizer: true, checkExtra: true });

function entriesOf(sd: StateDict): Array<[string, Tensor]> {
  return sd instanceof Map ? [...sd.entries()] : Object.entries(sd);
}

function shapeStr(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}


function isTensor(v: unknown): v is Tensor {
  return v instanceof Tensor;
}

/** Saves model, optimizer and loop state to `path` atomically. */
export function saveCheckpoint(path: string, options: SaveCheckpointOptions): void {
  checkOptions('saveCheckpoint', options, SAVE_OPTIONS);
  const tensors = new Map<string, SafeTensor>();
  for (const [name, t] of entriesOf(options.model.stateDict())) {
    if (name.startsWith(OPTIMIZER_PREFIX)) throw new CheckpointError(`checkpoint: model tensor name '${name}' collides with optimizer state`);
    tensors.set(name, toSafeTensor(t));
  }
  let optimizerMeta: CheckpointMeta['optimizer'] = null;
  if (options.optimizer) {
    const sd = options.optimizer.stateDict();
    const scalarState: Record<string, Record<string, unknown>> = {};
    for (const [idx, entry] of Object.entries(sd.state)) {
      for (const [key, value] of Object.entries(entry)) {
        if (isTensor(value)) {
          const name = `${OPTIMIZER_PREFIX}${idx}.${key}`;
          tensors.set(name, toSafeTensor(value));
        } else {
          (scalarState[idx] ??= {})[key] = value;
        }
      }
    }
    optimizerMeta = { paramGroups: sd.paramGroups, scalarState };
  }
  const meta: CheckpointMeta = {
    format: CHECKPOINT_FORMAT,
    epoch: options.epoch ?? 0,
    step: options.step ?? 0,
    generatorState: options.generatorState ?? null,
    extra: options.extra ?? {},
    optimizer: optimizerMeta,
  };
  let metaJson: string;
  try {
    metaJson = JSON.stringify(meta);
  } catch (e) {
    throw new CheckpointError(`checkpoint: state is not JSON-serialisable: ${(e as Error).message}`);
  }
  saveFile(path, tensors, { format: 'pt', torchlet: metaJson });
}

/** The checkpoint's metadata; throws only when the file is not a checkpoint at all. */
function parseMeta(file: SafetensorsFile, path: string): CheckpointMeta {
  const raw = file.metadata.torchlet;
  if (raw === undefined) throw new CheckpointError(`${path}: not a torchlet checkpoint (no 'torchlet' entry in __metadata__)`);
  let meta: CheckpointMeta;
  try {
    meta = JSON.parse(raw);
  } catch (e) {
    throw new CheckpointError(`${path}: __metadata__.torchlet is not valid JSON: ${(e as Error).message}`);
  }
  if (meta === null || typeof meta !== 'object' || meta.format !== CHECKPOINT_FORMAT) {
    throw new CheckpointError(`${path}: unknown checkpoint format ${JSON.stringify((meta as any)?.format)} (expected ${CHECKPOINT_FORMAT})`);
  }
  return meta;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** The problems of the loop state: epoch, step, RNG state, extra. */
function metaProblems(meta: CheckpointMeta): string[] {
  const out: string[] = [];
  for (const key of ['epoch', 'step'] as const) {
    if (!Number.isSafeInteger(meta[key]) || meta[key] < 0) out.push(`${key} must be a non-negative integer, got ${describeValue(meta[key])}`);
  }
  if (meta.generatorState != null) {
    const problem = generatorStateProblem(meta.generatorState);
    if (problem !== null) out.push(`generatorState: ${problem}`);
  }
  if (meta.extra !== undefined && !isRecord(meta.extra)) out.push(`extra must be an object, got ${describeValue(meta.extra)}`);
  return out;
}

function tensorProblem(name: string, got: SafeTensor | undefined, want: Tensor): string | null {
  if (!got) return `missing tensor '${name}' (shape ${shapeStr(want.shape)})`;
  const wantDtype = SAFETENSORS_DTYPE[want.dtype];
  if (got.dtype !== wantDtype) return `tensor '${name}' has dtype ${got.dtype}, expected ${wantDtype}`;
  if (got.shape.length !== want.shape.length || got.shape.some((d, i) => d !== want.shape[i])) {
    return `tensor '${name}' has shape ${shapeStr(got.shape)}, expected ${shapeStr(want.shape)}`;
  }
  return null;
}

function toTensor(t: SafeTensor): Tensor {
  return new Tensor(t.data as Float32Array | Int32Array | Uint8Array, t.shape);
}

/**
 * The optimizer's state dict as the file holds it, checked for layout and tensors here and for
 * everything else by the optimizer's own checkStateDict; problems go to `errors`. Null when the
 * layout is too far off to build one.
 */
function optimizerStateFrom(file: SafetensorsFile, meta: CheckpointMeta, optimizer: OptimizerLike, errors: string[]): OptimizerStateDict | null {
  const saved = meta.optimizer;
  if (!isRecord(saved)) {
    errors.push('the checkpoint holds no optimizer state');
    return null;
  }
  const current = optimizer.stateDict();
  const groups = saved.paramGroups;
  if (!Array.isArray(groups) || groups.length !== current.paramGroups.length) {
    errors.push(`optimizer has ${current.paramGroups.length} param groups, checkpoint has ${Array.isArray(groups) ? groups.length : 'none'}`);
    return null;
  }
  let layoutOk = true;
  groups.forEach((g, i) => {
    const want = current.paramGroups[i].params.length;
    if (!isRecord(g) || !Array.isArray(g.params) || g.params.length !== want) {
      const got = isRecord(g) && Array.isArray(g.params) ? g.params.length : 'none';
      errors.push(`optimizer param group ${i} has ${want} parameters, checkpoint has ${got}`);
      layoutOk = false;
    }
  });
  if (!layoutOk) return null;

  const paramByIndex = new Map<number, Tensor>();
  optimizer.paramGroups?.forEach((g, gi) => g.params.forEach((p, k) => paramByIndex.set(current.paramGroups[gi].params[k], p)));
  const validIndices = new Set(current.paramGroups.flatMap((g) => g.params));
  const state: OptimizerStateDict['state'] = {};
  for (const [name, t] of file.tensors) {
    if (!name.startsWith(OPTIMIZER_PREFIX)) continue;
    const m = /^(\d+)\.([A-Za-z_][A-Za-z0-9_]*)$/.exec(name.slice(OPTIMIZER_PREFIX.length));
    if (!m) {
      errors.push(`malformed optimizer tensor name '${name}' (expected ${OPTIMIZER_PREFIX}<paramIndex>.<key>)`);
      continue;
    }
    const idx = Number(m[1]);
    if (!validIndices.has(idx)) {
      errors.push(`optimizer tensor '${name}' refers to parameter ${idx}, which the optimizer does not have`);
      continue;
    }
    const param = paramByIndex.get(idx);
    const problem = param ? tensorProblem(name, t, param) : t.dtype !== 'F32' ? `tensor '${name}' has dtype ${t.dtype}, expected F32` : null;
    if (problem !== null) errors.push(problem);
    else (state[idx] ??= {})[m[2]] = toTensor(t);
  }
  const scalarState = saved.scalarState ?? {};
  if (!isRecord(scalarState)) errors.push(`optimizer scalarState must be an object, got ${describeValue(scalarState)}`);
  else {
    for (const [idx, entry] of Object.entries(scalarState)) {
      if (!validIndices.has(Number(idx))) errors.push(`optimizer state refers to parameter ${idx}, which the optimizer does not have`);
      else if (!isRecord(entry)) errors.push(`optimizer state of parameter ${idx} must be an object, got ${describeValue(entry)}`);
      else Object.assign((state[Number(idx)] ??= {}), entry);
    }
  }
  const stateDict: OptimizerStateDict = { state, paramGroups: groups };
  if (optimizer.checkStateDict) errors.push(...optimizer.checkStateDict(stateDict).map((p) => `optimizer: ${p}`));
  return stateDict;
}

/**
 * Loads a checkpoint into `model` (and `optimizer`, when given) and returns the loop state.
 * Throws CheckpointError/SafetensorsError naming the file and every problem found; on error
 * neither the model nor the optimizer has been changed.
 */
export function loadCheckpoint(path: string, target: LoadCheckpointTarget): LoadedCheckpoint {
  checkOptions('loadCheckpoint', target, LOAD_OPTIONS);
  const file = loadFile(path);
  const meta = parseMeta(file, path);
  const errors = metaProblems(meta);

  // Model: exactly the state dict's names, shapes and dtypes.
  const modelState = entriesOf(target.model.stateDict());
  const modelNames = new Set(modelState.map(([n]) => n));
  for (const [name, want] of modelState) {
    const problem = tensorProblem(name, file.tensors.get(name), want);
    if (problem !== null) errors.push(problem);
  }
  const unexpected = [...file.tensors.keys()].filter((n) => !modelNames.has(n) && !n.startsWith(OPTIMIZER_PREFIX));
  if (unexpected.length > 0) {
    errors.push(`unexpected tensor${unexpected.length > 1 ? 's' : ''} ${unexpected.map((n) => `'${n}'`).join(', ')} not in the model`);
  }

  const optimizerState = target.optimizer ? optimizerStateFrom(file, meta, target.optimizer, errors) : null;
  if (target.checkExtra && isRecord(meta.extra ?? {})) errors.push(...target.checkExtra(meta.extra ?? {}));

  if (errors.length === 1) throw new CheckpointError(`${path}: ${errors[0]}`);
  if (errors.length > 1) {
    throw new CheckpointError(`${path}: ${errors.length} problems, nothing was loaded:\n\t${errors.join('\n\t')}`);
  }

  // Everything checked: only now apply. The optimizer first: one without checkStateDict may
  // still refuse its state, and then the model must not have changed either.
  if (optimizerState && target.optimizer) target.optimizer.loadStateDict(optimizerState);
  const modelTensors: Record<string, Tensor> = {};
  for (const [name] of modelState) modelTensors[name] = toTensor(file.tensors.get(name)!);
  target.model.loadStateDict(modelTensors);

  return {
    epoch: meta.epoch,
    step: meta.step,
    generatorState: meta.generatorState ?? null,
    extra: meta.extra ?? {},
    metadata: file.metadata,
  };
}

/** Reads just the loop state (no model needed), e.g. to pick a run name before building the model. */
export function readCheckpointState(path: string): LoadedCheckpoint {
  const file = loadFile(path);
  const meta = parseMeta(file, path);
  const errors = metaProblems(meta);
  if (errors.length > 0) throw new CheckpointError(`${path}: ${errors.join('; ')}`);
  return { epoch: meta.epoch, step: meta.step, generatorState: meta.generatorState ?? null, extra: meta.extra ?? {}, metadata: file.metadata };
}
