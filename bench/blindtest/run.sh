#!/usr/bin/env bash
# BlindTest-style accuracy of the default tiny model (README's first command's recipe), over
# training seeds, by line width x resolution, next to the paper's models. For docs/BENCHMARKS.md.
#
#   bash bench/blindtest/run.sh                 # seeds 0 1 2, two trainings at a time (1 thread each)
#   BENCH_SEEDS="0" BENCH_OUT=/tmp/bt bash bench/blindtest/run.sh
#
# Evaluation data, never trained on:
#   reference/  450 images drawn with matplotlib by bench/blindtest/reference.py (the authors'
#               notebook re-implemented: the independent check), seed 1000, XAI/vlmsareblind schema;
#   ours/       450 images from `intersections generate --style blindtest` with the quickstart's
#               evaluation seed.
# The training dataset is the quickstart's: `intersections generate` defaults (mixed style),
# train=5000,validation=100,test=100 per label, seed 0.
set -euo pipefail
cd "$(dirname "$0")/../.."
out="${BENCH_OUT:-bench-out/blindtest}"
seeds="${BENCH_SEEDS:-0 1 2}"
py="${INTERSECTIONS_PYTHON:-$(node bin/intersections.js setup --print-python)}"
cli() { node bin/intersections.js "$@"; }
mkdir -p "$out"

[ -f "$out/train-data/intersections.json" ] || cli generate --splits train=5000,validation=100,test=100 --seed 0 --dataset-folder "$out/train-data"
[ -f "$out/ours/intersections.json" ] || cli generate --style blindtest --splits test=150 --seed 20240708 --dataset-folder "$out/ours"
[ -d "$out/reference/data" ] || "$py" bench/blindtest/reference.py --out "$out/reference" --per-label 25 --seed 1000

train_one() {
  local seed=$1 run="$out/run-seed$1"
  [ -f "$run/model/config.json" ] || cli train --ckpt-id tiny --dataset-folder "$out/train-data" --output-dir "$run" --seed "$seed" --json > "$out/train-seed$seed.jsonl" 2>&1
  cli evaluate --model "$run" --dataset-folder "$out/reference" --output-dir "$run/eval-reference" > "$out/eval-reference-seed$seed.txt"
  cli evaluate --model "$run" --dataset-folder "$out/ours" --split test --output-dir "$run/eval-ours" > "$out/eval-ours-seed$seed.txt"
}

# Two at a time: one torch thread each on a 2-core machine.
pids=()
for s in $seeds; do
  train_one "$s" & pids+=($!)
  if [ ${#pids[@]} -ge 2 ]; then wait "${pids[0]}"; pids=("${pids[@]:1}"); fi
done
for p in "${pids[@]}"; do wait "$p"; done

"$py" - "$out" $seeds <<'PY'
import json, statistics, sys
from pathlib import Path
out, seeds = Path(sys.argv[1]), sys.argv[2:]
def metrics(run, name):
    m = json.loads((run / name / "metrics.json").read_text())
    return next(iter(m.values()))
rows = []
for s in seeds:
    run = out / f"run-seed{s}"
    done = [json.loads(l) for l in (out / f"train-seed{s}.jsonl").read_text().splitlines() if l.startswith('{"event":"done"')]
    summ = done[-1]["summary"] if done else {}
    ref, ours = metrics(run, "eval-reference"), metrics(run, "eval-ours")
    rows.append((s, summ.get("best_accuracy"), summ.get("train_seconds"), ref, ours))
    print(f"seed {s}: validation {summ.get('best_accuracy'):.3f}, train {summ.get('train_seconds', 0):.0f} s, "
          f"reference {ref['accuracy']:.3f}, ours {ours['accuracy']:.3f}")
    for key, cell in sorted(ref.get("by_line_width_image_size", {}).items()):
        per = " ".join(f"{l}:{b['accuracy']:.2f}" for l, b in sorted(cell.get("per_label", {}).items()))
        print(f"    reference {key:>8}: {cell['accuracy']:.3f} (n={cell['n']})  by label {per}")
for name, idx in (("validation", 1), ("reference", 3), ("ours", 4)):
    vals = [r[idx] if idx == 1 else r[idx]["accuracy"] for r in rows]
    sd = statistics.stdev(vals) if len(vals) > 1 else 0.0
    print(f"{name}: mean {statistics.mean(vals):.3f}, min {min(vals):.3f}, max {max(vals):.3f}, sd {sd:.3f} over {len(vals)} seeds")
PY
