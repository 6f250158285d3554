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
 * Loading validates everything (missing, extra, mis-shaped and mis-typed tensors, optimizer
 * layout) before it touches the model or the optimizer, so a bad file changes nothing.
 */
import { Tensor } from '../tensor';
import type { GeneratorState } from '../random';
import { loadFile, saveFile, SafeTensor, SafetensorsFile, Metadata } from './safetensors';

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
  loadStateDict(state: OptimizerStateDict): unknown;
  paramGroups?: ReadonlyArray<{ params: ReadonlyArray<Tensor> }>;
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

function entriesOf(sd: StateDict): Array<[string, Tensor]> {
  return sd instanceof Map ? [...sd.entries()] : Object.entries(sd);
}

function shapeStr(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

/** The safetensors dtype of each tensor dtype (safetensors' BOOL is one byte, as bool's storage here). */
const SAFETENSORS_DTYPE = { float32: 'F32', int32: 'I32', bool: 'BOOL' } as const;

function toSafeTensor(t: Tensor, name: string): SafeTensor {
  const dtype = SAFETENSORS_DTYPE[t.dtype];
  if (dtype === undefined) throw new CheckpointError(`checkpoint: tensor '${name}' has unsupported dtype ${t.dtype}`);
  return { dtype, shape: [...t.shape], data: t._dense() };
}

function isTensor(v: unknown): v is Tensor {
  return v instanceof Tensor;
}

/** Saves model, optimizer and loop state to `path` atomically. */
export function saveCheckpoint(path: string, options: SaveCheckpointOptions): void {
  const tensors = new Map<string, SafeTensor>();
  for (const [name, t] of entriesOf(options.model.stateDict())) {
    if (name.startsWith(OPTIMIZER_PREFIX)) throw new CheckpointError(`checkpoint: model tensor name '${name}' collides with optimizer state`);
    tensors.set(name, toSafeTensor(t, name));
  }
  let optimizerMeta: CheckpointMeta['optimizer'] = null;
  if (options.optimizer) {
    const sd = options.optimizer.stateDict();
    const scalarState: Record<string, Record<string, unknown>> = {};
    for (const [idx, entry] of Object.entries(sd.state)) {
      for (const [key, value] of Object.entries(entry)) {
        if (isTensor(value)) {
          const name = `${OPTIMIZER_PREFIX}${idx}.${key}`;
          tensors.set(name, toSafeTensor(value, name));
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
  if (!Number.isInteger(meta.epoch) || meta.epoch < 0 || !Number.isInteger(meta.step) || meta.step < 0) {
    throw new CheckpointError(`${path}: epoch and step must be non-negative integers`);
  }
  return meta;
}

function checkTensor(path: string, name: string, got: SafeTensor | undefined, want: Tensor): void {
  if (!got) throw new CheckpointError(`${path}: missing tensor '${name}' (shape ${shapeStr(want.shape)})`);
  const wantDtype = SAFETENSORS_DTYPE[want.dtype];
  if (got.dtype !== wantDtype) throw new CheckpointError(`${path}: tensor '${name}' has dtype ${got.dtype}, expected ${wantDtype}`);
  if (got.shape.length !== want.shape.length || got.shape.some((d, i) => d !== want.shape[i])) {
    throw new CheckpointError(`${path}: tensor '${name}' has shape ${shapeStr(got.shape)}, expected ${shapeStr(want.shape)}`);
  }
}

function toTensor(t: SafeTensor): Tensor {
  return new Tensor(t.data as Float32Array | Int32Array | Uint8Array, t.shape);
}

/**
 * Loads a checkpoint into `model` (and `optimizer`, when given) and returns the loop state.
 * Throws CheckpointError/SafetensorsError naming the file and the offending tensor; on error
 * neither the model nor the optimizer has been changed.
 */
export function loadCheckpoint(path: string, target: { model: ModuleLike; optimizer?: OptimizerLike | null }): LoadedCheckpoint {
  const file = loadFile(path);
  const meta = parseMeta(file, path);

  // Model: exactly the state dict's names, shapes and dtypes.
  const modelState = entriesOf(target.model.stateDict());
  const modelNames = new Set(modelState.map(([n]) => n));
  for (const [name, want] of modelState) checkTensor(path, name, file.tensors.get(name), want);
  const unexpected = [...file.tensors.keys()].filter((n) => !modelNames.has(n) && !n.startsWith(OPTIMIZER_PREFIX));
  if (unexpected.length > 0) {
    throw new CheckpointError(`${path}: unexpected tensor${unexpected.length > 1 ? 's' : ''} ${unexpected.map((n) => `'${n}'`).join(', ')} not in the model`);
  }

  // Optimizer: same group layout; each state tensor belongs to a parameter and has its shape.
  let optimizerState: OptimizerStateDict | null = null;
  let optimizerTensors: Array<[number, string, SafeTensor]> = [];
  if (target.optimizer) {
    if (!meta.optimizer) throw new CheckpointError(`${path}: the checkpoint holds no optimizer state`);
    const current = target.optimizer.stateDict();
    const saved = meta.optimizer.paramGroups;
    if (!Array.isArray(saved) || saved.length !== current.paramGroups.length) {
      throw new CheckpointError(`${path}: optimizer has ${current.paramGroups.length} param groups, checkpoint has ${Array.isArray(saved) ? saved.length : 'none'}`);
    }
    saved.forEach((g, i) => {
      const want = current.paramGroups[i].params.length;
      if (!Array.isArray(g.params) || g.params.length !== want) {
        throw new CheckpointError(`${path}: optimizer param group ${i} has ${want} parameters, checkpoint has ${Array.isArray(g.params) ? g.params.length : 'none'}`);
      }
    });
    const paramByIndex = new Map<number, Tensor>();
    if (target.optimizer.paramGroups) {
      target.optimizer.paramGroups.forEach((g, gi) => g.params.forEach((p, k) => paramByIndex.set(current.paramGroups[gi].params[k], p)));
    }
    const pendingTensors: Array<[number, string, SafeTensor]> = [];
    const validIndices = new Set(current.paramGroups.flatMap((g) => g.params));
    const state: OptimizerStateDict['state'] = {};
    // Kept as SafeTensors for now; made into Tensors only once everything has validated.
    for (const [name, t] of file.tensors) {
      if (!name.startsWith(OPTIMIZER_PREFIX)) continue;
      const m = /^(\d+)\.([A-Za-z_][A-Za-z0-9_]*)$/.exec(name.slice(OPTIMIZER_PREFIX.length));
      if (!m) throw new CheckpointError(`${path}: malformed optimizer tensor name '${name}' (expected ${OPTIMIZER_PREFIX}<paramIndex>.<key>)`);
      const idx = Number(m[1]);
      if (!validIndices.has(idx)) throw new CheckpointError(`${path}: optimizer tensor '${name}' refers to parameter ${idx}, which the optimizer does not have`);
      const param = paramByIndex.get(idx);
      if (param) checkTensor(path, name, t, param);
      else if (t.dtype !== 'F32') throw new CheckpointError(`${path}: tensor '${name}' has dtype ${t.dtype}, expected F32`);
      pendingTensors.push([idx, m[2], t]);
    }
    for (const [idx, entry] of Object.entries(meta.optimizer.scalarState ?? {})) {
      if (!validIndices.has(Number(idx))) throw new CheckpointError(`${path}: optimizer state refers to parameter ${idx}, which the optimizer does not have`);
      Object.assign((state[Number(idx)] ??= {}), entry);
    }
    optimizerState = { state, paramGroups: saved };
    optimizerTensors = pendingTensors;
  }

  // Everything checked: only now build tensors and apply.
  const modelTensors: Record<string, Tensor> = {};
  for (const [name] of modelState) modelTensors[name] = toTensor(file.tensors.get(name)!);
  if (optimizerState) {
    for (const [idx, key, t] of optimizerTensors) (optimizerState.state[idx] ??= {})[key] = toTensor(t);
  }
  target.model.loadStateDict(modelTensors);
  if (optimizerState && target.optimizer) target.optimizer.loadStateDict(optimizerState);

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
  return { epoch: meta.epoch, step: meta.step, generatorState: meta.generatorState ?? null, extra: meta.extra ?? {}, metadata: file.metadata };
}
