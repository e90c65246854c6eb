#!/usr/bin/env bash
# Run on the GPU machine from the repository root, after scripts/gpu/publish.sh was run on a machine with .NET:
#   bash scripts/gpu/device-check.sh            (writes logs and results under $OUT, default ./device-out)
# With the session device tool: run "bash scripts/gpu/device-check.sh" with carry [".device"] (about 52 MB).
# 1. .device/Flows.Bench gpu-check --device cuda: every CUDA kernel against the CPU result, timed.
# 2. The PyTorch peer (same machine, same run) for the ratios that ANCHORS.md asks for.
# 3. Our training step (RealNVP, Glow; batch 32, 64), eager and replayed from a CUDA graph.
# Exits non-zero if any kernel check fails; the peer's failure is reported but does not hide the kernel result.
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
OUT="${OUT:-$root/device-out}"
export OUT
mkdir -p "$OUT"
bin="$root/.device/Flows.Bench"
if [[ ! -x "$bin" ]]; then
  echo "device-check: $bin not found; run scripts/gpu/publish.sh first (on a machine with .NET)" >&2
  exit 2
fi

{ nvidia-smi || true; } > "$OUT/nvidia-smi.log" 2>&1

echo "== gpu-check (CUDA kernels vs CPU reference)"
"$bin" gpu-check --device cuda --out "$OUT" 2>&1 | tee "$OUT/gpu-check.log"
check=${PIPESTATUS[0]}

# 3. Our training step, eager and replayed from a CUDA graph (docs/PERFORMANCE.md, "Streams and CUDA graphs"): RealNVP
#    and Glow at batch 32 and 64, eager and graph alternating in each round (STEP_ROUNDS, default 1); --warmup 4 makes
#    every timed step a replay (step 1 eager, 2 traced, 3 captured). A failed capture prints its reason and runs eagerly.
echo "== training step: eager vs CUDA graph replay"
for round in $(seq 1 "${STEP_ROUNDS:-1}"); do
  for model in realnvp glow; do
    for batch in 32 64; do
      for mode in eager graph; do
        flag=""
        [[ $mode == graph ]] && flag="--cuda-graph"
        log="$OUT/step-$model-b$batch-$mode-r$round.log"
        timeout "${STEP_TIMEOUT:-240}" "$bin" step --device cuda --model "$model" --batch "$batch" --warmup 4 --steps 20 $flag > "$log" 2>&1
        echo "step $model batch $batch $mode round $round: exit $? $(grep -E '^RESULT|CUDA graph' "$log" | sed -E 's/^ +//' | tr '\n' ' ')"
      done
    done
  done
done | tee "$OUT/step-graphs.log"

peer="$root/.device/peers/pytorch/torch_flows_anchor.py"
if [[ -f "$peer" ]]; then
  echo "== PyTorch peer"
  (cd "$(dirname "$peer")" && python3 torch_flows_anchor.py) > "$OUT/torch-peer.log" 2>&1
  echo "torch peer exit $? (log: $OUT/torch-peer.log, results: $OUT/torch_anchor.json)"
  tail -n 20 "$OUT/torch-peer.log"
else
  echo "device-check: PyTorch peer not published with the binary; skipped" | tee "$OUT/torch-peer.log"
fi
exit "$check"
