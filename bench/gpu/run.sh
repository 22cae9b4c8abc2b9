#!/usr/bin/env bash
# GPU training benchmark (one H100, < 8 minutes): PaliGemma 2 3B-224 with random weights from the
# published config; our lora/attn/full loops vs the original finetune.py loop, same invocation.
# Needs the trainer's Python environment with the CUDA build of torch (intersections setup).
#   bash bench/gpu/run.sh [extra args for train_throughput.py]      results: bench/gpu/results-*.json
#   bash bench/gpu/run.sh --dry-run                                  CPU check that it runs
set -euo pipefail
cd "$(dirname "$0")/../.."
PY="${INTERSECTIONS_PYTHON:-$(node bin/intersections.js setup --print-python 2>/dev/null || command -v python3)}"
OUT="${OUT:-bench/gpu/results-$(date -u +%Y%m%dT%H%M%SZ).json}"
"$PY" - <<'PYEOF' || true
import torch
print("torch", torch.__version__, "cuda", torch.cuda.is_available(), torch.cuda.get_device_name(0) if torch.cuda.is_available() else "")
PYEOF
timeout 480 "$PY" bench/gpu/train_throughput.py --out "$OUT" "$@"
echo "results: $OUT"
