#!/usr/bin/env bash
# The main job on the built-in default, from a fresh clone, on CPU, with no model download:
# install and build, create the Python environment, generate a dataset (our style mixed with
# the BlindTest authors' style), fine-tune the tiny PaliGemma-architecture model on it, evaluate
# it on the test split, export it to ONNX (so the extension's "Count Intersections" can use it
# without Python), and finally evaluate it on BlindTest-style images drawn from a seed that no
# training data uses, next to the figures of the paper's frontier models.
#
#   bash scripts/quickstart.sh            # dataset in ./dataset, run in ./runs/tiny-<time>
#   QUICKSTART_DATASET=my-data QUICKSTART_RUN=runs/first bash scripts/quickstart.sh
#   QUICKSTART_SPLITS=train=300,validation=30,test=30 QUICKSTART_TRAIN_ARGS="--max-steps 50" ...
#   QUICKSTART_BLINDTEST_PER_LABEL=150   (BlindTest-style evaluation images per label: 450 in all)
#   INTERSECTIONS_PYTHON=/path/to/python ...   (use that interpreter instead of the managed venv)
#
# Re-running reuses an existing dataset (delete the folder to draw a new one) and the
# installed packages; each run trains into a new run folder.
set -euo pipefail
cd "$(dirname "$0")/.."

dataset="${QUICKSTART_DATASET:-dataset}"
splits="${QUICKSTART_SPLITS:-train=5000,validation=100,test=100}"
run="${QUICKSTART_RUN:-runs/tiny-$(date -u +%Y%m%d-%H%M%S)}"
bt_per_label="${QUICKSTART_BLINDTEST_PER_LABEL:-150}"
# The training dataset is drawn from seed 0; the BlindTest-style evaluation images from this one,
# which no training data of the quickstart uses (each row's random stream depends on the seed).
bt_seed=20240708
read -r -a train_args <<< "${QUICKSTART_TRAIN_ARGS:-}"

say() { printf '\n\033[1m== %s\033[0m\n' "$*" >&2; }
die() { printf 'quickstart: %s\n' "$*" >&2; exit 2; }

node_major="$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo none)"
[ "$node_major" = "20" ] || [ "$node_major" -gt 20 ] 2>/dev/null || die "needs Node.js 20 or newer (found: $node_major). Install it, e.g. from https://nodejs.org or your package manager."
command -v python3 >/dev/null || die "needs python3 (3.10 or newer) with venv: e.g. sudo apt-get install python3 python3-venv"

say "1/7 npm packages"
export ONNXRUNTIME_NODE_INSTALL=skip   # its install script would fetch CUDA libraries; the CPU binaries ship in the package
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
else
  echo "up to date" >&2
fi

say "2/7 build"
npm run --silent build

cli() { node bin/intersections.js "$@"; }

say "3/7 Python environment (PyTorch CPU, transformers, PEFT; pinned)"
if [ -n "${INTERSECTIONS_PYTHON:-}" ]; then
  echo "using INTERSECTIONS_PYTHON=$INTERSECTIONS_PYTHON" >&2
else
  cli setup
fi

say "4/7 dataset: $splits images per label in $dataset/"
if [ -f "$dataset/intersections.json" ]; then
  echo "reusing the dataset in $dataset/ (delete it to draw a new one)" >&2
else
  cli generate --splits "$splits" --dataset-folder "$dataset" --seed 0
fi
cli inspect "$dataset"

say "5/7 fine-tune the tiny model on CPU (a few minutes; Ctrl+C saves a checkpoint, then: intersections train --resume --output-dir $run)"
cli train --ckpt-id tiny --dataset-folder "$dataset" --output-dir "$run" ${train_args[@]+"${train_args[@]}"}

say "6/7 evaluate on the test split, export to ONNX"
cli evaluate --model "$run" --dataset-folder "$dataset" --split test
cli export-onnx --model "$run"

say "7/7 BlindTest-style images (the authors' recipe: 384/768/1152 px, 2 and 4 pt lines), seed $bt_seed, never trained on"
bt_dataset="$dataset-blindtest"
if [ -f "$bt_dataset/intersections.json" ]; then
  echo "reusing the BlindTest-style images in $bt_dataset/" >&2
else
  cli generate --style blindtest --splits "test=$bt_per_label" --seed "$bt_seed" --dataset-folder "$bt_dataset"
fi
headline="$(mktemp)"
trap 'rm -f "$headline"' EXIT
cli evaluate --model "$run" --dataset-folder "$bt_dataset" --split test --output-dir "$run/blindtest-style" | tee "$headline"

say "done"
sed -n '/^BlindTest Task 1/,$p' "$headline" >&2
cat >&2 <<EOF
Run folder: $run (config.json, events.jsonl, checkpoints/, model/, onnx/, metrics.json,
predictions-test.jsonl, blindtest-style/ with the BlindTest-style predictions). Open this folder in VS Code with the extension installed
(npm run package, then Extensions: Install from VSIX...) to browse the dataset and the run in
the Intersections sidebar, show the predictions gallery, or right-click a PNG and choose
Count Intersections.
EOF
