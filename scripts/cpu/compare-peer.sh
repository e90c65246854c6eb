#!/usr/bin/env bash
# Runs our end-to-end training step and the libtorch peer (TorchSharp, ../shared/bench/peers/torchsharp-flows)
# back to back on this machine with the same settings, and prints the ratio table (ours / libtorch). The two
# programs alternate for ROUNDS rounds (default 3); the table compares each side's median over the rounds, and
# lists every round's ratio, so one burst of load on the shared VM cannot decide the result.
# Usage: [ROUNDS=3] scripts/cpu/compare-peer.sh [--paper] [extra step args, e.g. --steps 10]
# --paper runs the paper's models instead of the two small ones, what a user without a GPU trains for hours: RealNVP --mid 64 --blocks 6
# (14,707,336 parameters) and Glow with both programs' defaults (--mid 200 --K 16 --blocks 3, 69,378,048), with
# fewer steps so that a round stays within a few minutes. Every row checks that both programs built a model with
# the same parameter count (the RESULT lines' params) and stops if they differ.
# The peer is copied to a temporary folder and built there (about 500 MB, deleted afterwards); PEER_BIN=path
# reuses a peer binary built before.
set -euo pipefail
cd "$(dirname "$0")/../.."
paper=0
if [ "${1:-}" = "--paper" ]; then paper=1; shift; fi
peer_src="${PEER_DIR:-../shared/bench/peers/torchsharp-flows}"
[ -d "$peer_src" ] || { echo "peer not found at $peer_src (set PEER_DIR)"; exit 1; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
if [ -n "${PEER_BIN:-}" ]; then
  peer="$PEER_BIN"   # a peer built earlier, to skip the build
else
  cp -r "$peer_src" "$work/peer"
  echo "building the peer in $work/peer ..."
  (cd "$work/peer" && dotnet build -c Release -v q -nologo >/dev/null)
  peer="$work/peer/bin/Release/net10.0/linux-x64/TorchSharpFlows"
fi
dotnet build Flows.Bench -c Release -v q -nologo >/dev/null
ours="dotnet Flows.Bench/bin/Release/net10.0/Flows.Bench.dll"

configs=(
  "--model realnvp --mid 32 --blocks 2 --batch 32 --steps 10 --warmup 2 --eval-batch 256 --eval-steps 2 --eval-warmup 1"
  "--model glow --mid 64 --K 4 --blocks 2 --batch 32 --steps 10 --warmup 2 --eval-batch 256 --eval-steps 2 --eval-warmup 1"
)
if [ "$paper" = 1 ]; then
  configs=(
    "--model realnvp --mid 64 --blocks 6 --batch 32 --steps 4 --warmup 1 --eval-batch 256 --eval-steps 1 --eval-warmup 1"
    "--model glow --mid 200 --K 16 --blocks 3 --batch 32 --steps 2 --warmup 1 --eval-batch 64 --eval-steps 1 --eval-warmup 1"
  )
fi
rounds="${ROUNDS:-3}"
get() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$2"; }
: > "$work/results.txt"
for round in $(seq 1 "$rounds"); do
  for i in "${!configs[@]}"; do
    cfg="${configs[$i]}"
    echo "== round $round/$rounds, ours: step $cfg $*"
    out=$($ours step $cfg --device cpu "$@"); echo "$out" | tail -3; o=$(grep '^RESULT' <<<"$out")
    echo "== round $round/$rounds, libtorch: $cfg --threads 2 $*"
    out=$($peer $cfg --threads 2 "$@"); echo "$out" | tail -2; p=$(grep '^RESULT' <<<"$out")
    if [ "$(get params "$o")" != "$(get params "$p")" ]; then
      echo "the two programs built different models for '$cfg': ours $(get params "$o") parameters, libtorch $(get params "$p")"; exit 1
    fi
    echo "$i $(get train_img_s "$o") $(get train_img_s "$p") $(get eval_img_s "$o") $(get eval_img_s "$p") $(get params "$o")" >> "$work/results.txt"
  done
done
echo; echo "rounds: $rounds (medians), date: $(date -u +%Y-%m-%d), cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), cores: $(nproc), load: $(cut -d' ' -f1-3 /proc/loadavg)"
python3 - "$work/results.txt" "${configs[@]}" <<'EOF'
import statistics, sys
rows = [line.split() for line in open(sys.argv[1])]
configs = sys.argv[2:]
print("| config | params | ours train img/s | libtorch train img/s | ratio | per-round ratios | ours eval img/s | libtorch eval img/s | ratio |")
print("|---|---|---|---|---|---|---|---|---|")
for i, cfg in enumerate(configs):
    mine = [[float(v) for v in r[1:5]] for r in rows if r[0] == str(i)]
    params = next(int(r[5]) for r in rows if r[0] == str(i))
    ot, pt, oe, pe = (statistics.median(col) for col in zip(*mine))
    per_round = ", ".join(f"{r[0] / r[1]:.2f}" for r in mine)
    print(f"| `{cfg}` | {params:,} | {ot:.2f} | {pt:.2f} | {ot / pt:.2f} | {per_round} | {oe:.2f} | {pe:.2f} | {oe / pe:.2f} |")
EOF
