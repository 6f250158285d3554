#!/usr/bin/env bash
# Checks that torchlet works as a real npm package, the way a user gets it:
#   build (`npm run build` in a staged copy of the project, leaving the shared dist/ alone),
#   `npm pack`, install the tarball into an empty folder, then
#   (a) a strict TypeScript consumer importing { Tensor, nn, optim, tensor } from 'torchlet'
#       type-checks (`tsc --noEmit`, under both classic `node` and `node16` module resolution,
#       the latter going through the package's `exports` map) and runs after compiling;
#   (b) a plain-JavaScript consumer `require('torchlet')`, trains a tiny Linear model for one
#       SGD step and prints the loss, on the js and on the wasm backend (pkg/ from the tarball).
# Exits non-zero on the first failure. TypeScript comes from this project's node_modules.
# Usage: bash scripts/pack-check.sh [--keep]   (--keep leaves the temp folder for inspection)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TSC="$ROOT/node_modules/typescript/bin/tsc"
KEEP=0
[[ "${1:-}" == "--keep" ]] && KEEP=1

WORK="$(mktemp -d "${TMPDIR:-/tmp}/torchlet-pack-check.XXXXXX")"
cleanup() {
  if [[ $KEEP == 1 ]]; then echo "pack-check: left $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

step() { echo "pack-check: $*"; }

[[ -x "$TSC" || -f "$TSC" ]] || { echo "pack-check: $TSC not found; run npm ci first" >&2; exit 1; }

# Pack from a staged copy of the project with its own build, so that the shared dist/ is never
# rewritten while other tests (which run dist/ code) are reading it. The copy has everything
# but node_modules, dist, .git and Rust build output; `npm pack` applies package.json's `files`.
STAGE="$WORK/stage"
mkdir -p "$STAGE"
step "staging a copy of the project"
(cd "$ROOT" && tar -cf - --exclude=./node_modules --exclude=./dist --exclude=./.git --exclude=./kernels-rs/target .) \
  | (cd "$STAGE" && tar -xf -)
ln -s "$ROOT/node_modules" "$STAGE/node_modules"

step "building (npm run build, into the staged copy)"
(cd "$STAGE" && npm run build --silent -- --outDir "$STAGE/dist")

step "packing"
TARBALL_NAME="$(cd "$STAGE" && npm pack --silent --pack-destination "$WORK" | tail -n 1)"
TARBALL="$WORK/$TARBALL_NAME"
[[ -f "$TARBALL" ]] || { echo "pack-check: npm pack did not produce $TARBALL" >&2; exit 1; }
# List once (grep -q on a live `tar -t` pipe would SIGPIPE tar and trip pipefail).
CONTENTS="$(tar -tzf "$TARBALL")"
step "$(wc -l <<<"$CONTENTS") files in $TARBALL_NAME"
for required in package/package.json package/dist/src/index.js package/dist/src/index.d.ts \
  package/pkg/kernels_rs.js package/pkg/kernels_rs_bg.wasm; do
  grep -qx "$required" <<<"$CONTENTS" || { echo "pack-check: $required missing from the tarball" >&2; exit 1; }
done

APP="$WORK/app"
mkdir -p "$APP"
cd "$APP"
cat > package.json <<'EOF'
{ "name": "torchlet-pack-check-app", "version": "1.0.0", "private": true, "license": "MIT" }
EOF

step "installing the tarball into an empty folder"
npm install --no-audit --no-fund --prefer-offline --loglevel=error "$TARBALL"
[[ -f node_modules/torchlet/package.json ]] || { echo "pack-check: torchlet not installed" >&2; exit 1; }

# ---------------------------------------------------------------------------------------------
# (a) TypeScript consumer
mkdir -p ts
cat > ts/main.ts <<'EOF'
import { Tensor, nn, optim, tensor } from 'torchlet';

class TinyNet extends nn.Module {
  fc = new nn.Linear(3, 2);
  forward(x: Tensor): Tensor {
    return this.fc.forward(x);
  }
}

const model = new TinyNet();
const x: Tensor = tensor([[1, 2, 3], [4, 5, 6]]);
const target: Tensor = tensor([[0.5, -0.5], [1, 0]]);
const optimizer = new optim.SGD(model.parameters(), { lr: 0.01, momentum: 0.9 });
optimizer.zeroGrad();
const diff: Tensor = model.forward(x).sub(target);
const loss: Tensor = diff.mul(diff).mean();
loss.backward();
optimizer.step();
const value: number = loss.item();
if (!Number.isFinite(value)) throw new Error(`loss is not finite: ${value}`);
const shape: readonly number[] = model.fc.weight.shape;
console.log(`ts consumer ok: loss ${value.toFixed(6)}, fc.weight shape [${shape.join(', ')}]`);
EOF

# Node's global types (console, process) come from the project's @types/node, as a user's would.
write_tsconfig() { # $1 = file, $2 = module, $3 = moduleResolution
  cat > "$1" <<EOF
{
  "compilerOptions": {
    "target": "ES2022",
    "module": "$2",
    "moduleResolution": "$3",
    "lib": ["ES2022"],
    "strict": true,
    "esModuleInterop": true,
    "skipLibCheck": false,
    "typeRoots": ["$ROOT/node_modules/@types"],
    "types": ["node"],
    "rootDir": "ts",
    "outDir": "ts-out"
  },
  "files": ["ts/main.ts"]
}
EOF
}
write_tsconfig tsconfig.node10.json commonjs node
write_tsconfig tsconfig.node16.json node16 node16

step "type-checking the TypeScript consumer (moduleResolution node)"
node "$TSC" -p tsconfig.node10.json --noEmit
step "type-checking the TypeScript consumer (moduleResolution node16, through the exports map)"
node "$TSC" -p tsconfig.node16.json --noEmit
step "compiling and running the TypeScript consumer"
node "$TSC" -p tsconfig.node16.json
node ts-out/main.js

# ---------------------------------------------------------------------------------------------
# (b) plain-JavaScript consumer
cat > main.js <<'EOF'
'use strict';
const torchlet = require('torchlet');
const { nn, optim, tensor, manualSeed, setBackend } = torchlet;
for (const name of ['Tensor', 'nn', 'optim', 'tensor']) {
  if (torchlet[name] === undefined) throw new Error(`torchlet.${name} is not exported`);
}

// Both backends, so the packed pkg/ WebAssembly is loaded from the installed tarball too.
for (const backendName of ['js', 'wasm']) {
  const backend = setBackend(backendName);
  if (backend.name !== backendName) throw new Error(`setBackend('${backendName}') gave '${backend.name}'`);
  manualSeed(0);
  const model = new nn.Linear(4, 3);
  const criterion = new nn.CrossEntropyLoss();
  const optimizer = new optim.SGD(model.parameters(), { lr: 0.1, momentum: 0.9 });
  const inputs = tensor([[0.1, 0.2, 0.3, 0.4], [-1, 0.5, 2, 0], [0, 0, 1, -1]]);
  const labels = tensor([0, 2, 1], { dtype: 'int32' });

  const before = model.weight.toArray().flat(Infinity);
  optimizer.zeroGrad();
  const loss = criterion.forward(model.forward(inputs), labels);
  loss.backward();
  optimizer.step();
  const after = model.weight.toArray().flat(Infinity);

  const value = loss.item();
  if (!Number.isFinite(value)) throw new Error(`loss is not finite: ${value}`);
  if (before.every((v, i) => v === after[i])) throw new Error('optimizer.step() did not change the weights');
  console.log(`js consumer ok (${backendName} backend): loss ${value.toFixed(6)}`);
}
EOF

step "running the plain-JavaScript consumer"
node main.js

step "ok"
