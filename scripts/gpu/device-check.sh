#!/usr/bin/env bash
# The device check (issue 13, item 6): one run on the GPU machine answers "is it right, and how fast".
# Run from the repository root after scripts/gpu/publish.sh (on a machine with .NET) has filled .device/:
#   bash scripts/gpu/device-check.sh          (writes under $OUT, default ./device-out)
# With the session device tool: command "bash scripts/gpu/device-check.sh", carry [".device"], timeout_s 600.
# Stages, in order of what matters most, each under its own `timeout` and all inside BUDGET seconds (default 450,
# under the issue's 8 minutes), so a hang costs only its own stage:
#   1. nvidia-smi;
#   2. gpu-check --device cuda: every CUDA kernel of the case table (paper shapes) against the CPU result, timed with
#      many launches per sync; a case that throws resets the device so it cannot poison the rest;
#   3. the PyTorch peer (scripts/gpu/torch_peer.py over the published peer, TF32 off): train step at batch 32 and 64,
#      eval at batch 1024, for RealNVP and Glow;
#   4. our training step (Flows.Bench step) for RealNVP and Glow at batch 32 and 64, eager and replayed from a CUDA
#      graph (--warmup 3: every timed step is a replay), eval at batch 1024 with the eager batch-32 run;
#   5. a per-op time profile of the eager RealNVP step (--profile 1, each op synchronised);
#   6. the ratio table (scripts/gpu/ratio_table.py) as markdown for the GPU section of docs/PERFORMANCE.md.
# What comes back under $OUT (the device tool returns at most 8 files): device-check.log (this script's output),
# results.txt (every RESULT line), gpu-section.md (the table), gpu-check.md, profile.txt, logs.tar.gz (each stage's
# log, gpu-check.json and registers, nvidia-smi, the peer's JSON lines). Exits 1 if a kernel check failed.
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
OUT="${OUT:-$root/device-out}"
export OUT
mkdir -p "$OUT"
# DEVICE=ilgpu-cpu: a dry run of the script without a GPU: gpu-check on the CPU simulator (small shapes), the steps
# and the profile on the managed CPU backend (tiny models; the simulator takes minutes per step), no peer.
DEVICE="${DEVICE:-cuda}"
step_device=$DEVICE
[[ $DEVICE == ilgpu-cpu ]] && step_device=cpu
BUDGET="${BUDGET:-450}"
bin="${BENCH_BIN:-$root/.device/Flows.Bench}"
logs="$(mktemp -d)"
results="$OUT/results.txt"
: > "$results"
exec > >(tee "$OUT/device-check.log") 2>&1

if [[ ! -x "$bin" ]]; then
  echo "device-check: $bin not found; run scripts/gpu/publish.sh first (on a machine with .NET)"
  exit 2
fi

started=$SECONDS
# stage NAME CAP RESERVE command...: runs the command under timeout min(CAP, what is left of BUDGET minus RESERVE,
# the seconds kept for the stages after it); its output goes to $logs/NAME.log. Prints one line per stage.
stage() {
  local name=$1 cap=$2 reserve=$3
  shift 3
  local left=$((BUDGET - (SECONDS - started) - reserve))
  local limit=$((cap < left ? cap : left))
  if ((limit < 5)); then
    echo "stage $name: skipped, the budget is spent"
    return 124
  fi
  local t0=$SECONDS
  timeout --kill-after=5 "$limit" "$@" > "$logs/$name.log" 2>&1
  local rc=$?
  local note=""
  ((rc == 124 || rc == 137)) && note=" (TIMED OUT after ${limit}s)"
  echo "stage $name: exit $rc in $((SECONDS - t0))s$note"
  return $rc
}

echo "== 1. device"
stage nvidia-smi 10 400 nvidia-smi
head -n 15 "$logs/nvidia-smi.log"

echo "== 2. gpu-check: every CUDA kernel against the CPU"
quick=()
[[ $DEVICE == ilgpu-cpu ]] && quick=(--quick)
stage gpu-check 150 280 "$bin" gpu-check --device "$DEVICE" "${quick[@]}" --out "$logs"
check=$?
grep -E "^(gpu-check|reference)|FAIL" "$logs/gpu-check.log" | tail -n 25
((check == 124 || check == 137)) && { echo "gpu-check timed out; its last lines:"; tail -n 3 "$logs/gpu-check.log"; }
[[ -f $logs/gpu-check.md ]] && cp "$logs/gpu-check.md" "$OUT/gpu-check.md"

echo "== 3. PyTorch peer (TF32 off)"
peer="$root/.device/peers/pytorch"
if [[ $DEVICE != cuda ]]; then
  echo "peer: skipped on $DEVICE"
elif [[ -f $peer/torch_flows_anchor.py ]] && command -v python3 > /dev/null; then
  export PYTHONUNBUFFERED=1
  stage torch-peer 80 210 python3 "$root/scripts/gpu/torch_peer.py" "$peer" 32 64
  grep -E "^RESULT" "$logs/torch-peer.log" | tee -a "$results"
  grep -vE "^RESULT" "$logs/torch-peer.log" | tail -n 5
else
  echo "peer: $peer/torch_flows_anchor.py or python3 missing; skipped"
fi

echo "== 4. our training step: eager and CUDA graph replay; eval at batch 1024"
shape=()
if [[ $DEVICE == ilgpu-cpu ]]; then
  # Tiny models, two steps, eval at batch 16: only to try the script itself.
  shape=(--mid 4 --blocks 1 --K 2)
  steps=(--warmup 3 --steps 2 --eval-steps 1 --eval-warmup 0)
  eval_batch=16
else
  steps=(--warmup 3 --steps 10 --eval-steps 3 --eval-warmup 1)
  eval_batch=1024
fi
for model in realnvp glow; do
  for batch in 32 64; do
    for mode in eager graph; do
      flags=()
      [[ $mode == graph ]] && flags=(--cuda-graph)
      eval=(--eval-batch 0)
      [[ $mode == eager && $batch == 32 ]] && eval=(--eval-batch "$eval_batch")
      cap=30
      [[ $model == glow ]] && cap=45
      [[ ${eval[1]} != 0 ]] && cap=$((cap + 20))
      name="step-$model-b$batch-$mode"
      stage "$name" "$cap" 40 "$bin" step --device "$step_device" --model "$model" --batch "$batch" "${shape[@]}" "${steps[@]}" \
        "${eval[@]}" "${flags[@]}"
      grep -E "^RESULT" "$logs/$name.log" | tee -a "$results"
      grep -E "CUDA graph|--cuda-graph|peak live" "$logs/$name.log" | sed -E 's/^ +/  /'
    done
  done
done

echo "== 5. per-op profile of the eager RealNVP step (each op synchronised)"
# Roofs of an H200 (FP32 FMA ~67 TFLOP/s, HBM3e ~4.8 TB/s), so that the profile does not measure the host's.
stage profile 40 15 "$bin" step --device "$step_device" --model realnvp --batch 32 "${shape[@]}" --warmup 2 --steps 3 \
  --profile 1 --roof-gflops 67000 --roof-gbs 4800
cp "$logs/profile.log" "$OUT/profile.txt"

echo "== 6. ratio table (PyTorch time / ours: above 1 where we are faster)"
python3 "$root/scripts/gpu/ratio_table.py" "$results" > "$OUT/gpu-section.md" 2> "$logs/ratio-table.log"
cat "$OUT/gpu-section.md" "$logs/ratio-table.log"

tar -czf "$OUT/logs.tar.gz" -C "$logs" . && rm -rf "$logs"
echo "device-check: done in $((SECONDS - started))s; kernel check exit $check"
((check == 0)) || exit 1
exit 0
