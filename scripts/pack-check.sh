#!/usr/bin/env bash
# Checks that torchlet works as a real npm package, the way a user gets it:
#   build, `npm pack`, install the tarball into an empty folder, then
#   (a) a strict TypeScript consumer importing { Tensor, nn, optim, tensor } from 'torchlet'
#       type-checks (`tsc --noEmit`, under both classic `node` and `node16` module resolution,
#       the latter going through the package's `exports` map) and runs after compiling;
#   (b) a plain-JavaScript consumer `require('torchlet')`, trains a tiny Linear model for one
#       SGD step and prints the loss.
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

step "building"
(cd "$ROOT" && npm run build --silent)

step "packing"
TARBALL_NAME="$(cd "$ROOT" && npm pack --silent --pack-destination "$WORK" | tail -n 1)"
TARBALL="$WORK/$TARBALL_NAME"
[[ -f "$TARBALL" ]] || { echo "pack-check: npm pack did not produce $TARBALL" >&2; exit 1; }
step "$(tar -tzf "$TARBALL" | wc -l) files in $TARBALL_NAME"
for required in package/package.json package/dist/src/index.js package/dist/src/index.d.ts; do
  tar -tzf "$TARBALL" | grep -qx "$required" || { echo "pack-check: $required missing from the tarball" >&2; exit 1; }
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
const { nn, optim, tensor } = torchlet;
for (const name of ['Tensor', 'nn', 'optim', 'tensor']) {
  if (torchlet[name] === undefined) throw new Error(`torchlet.${name} is not exported`);
}

const model = new nn.Linear(4, 3);
const criterion = new nn.CrossEntropyLoss();
const optimizer = new optim.SGD(model.parameters(), { lr: 0.1, momentum: 0.9 });
const inputs = tensor([[0.1, 0.2, 0.3, 0.4], [-1, 0.5, 2, 0], [0, 0, 1, -1]]);
const labels = [0, 2, 1];

const before = model.weight.toArray().flat(Infinity);
optimizer.zeroGrad();
const loss = criterion.forward(model.forward(inputs), labels);
loss.backward();
optimizer.step();
const after = model.weight.toArray().flat(Infinity);

const value = loss.item();
if (!Number.isFinite(value)) throw new Error(`loss is not finite: ${value}`);
if (before.every((v, i) => v === after[i])) throw new Error('optimizer.step() did not change the weights');
console.log(`js consumer ok: loss ${value.toFixed(6)}`);
EOF

step "running the plain-JavaScript consumer"
node main.js

step "ok"
