#!/usr/bin/env bash
# Runs our end-to-end training step and the libtorch peer (TorchSharp, ../shared/bench/peers/torchsharp-flows)
# back to back on this machine with the same settings, and prints the ratio table (ours / libtorch).
# Usage: scripts/cpu/compare-peer.sh [extra step args, e.g. --steps 10]
# The peer is copied to a temporary folder and built there (about 500 MB, deleted afterwards); PEER_BIN=path
# reuses a peer binary built before.
set -euo pipefail
cd "$(dirname "$0")/../.."
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
printf '| config | ours train img/s | libtorch train img/s | ratio | ours eval img/s | libtorch eval img/s | ratio |\n|---|---|---|---|---|---|---|\n' > "$work/table.md"
for cfg in "${configs[@]}"; do
  echo "== ours: step $cfg $*"
  out=$($ours step $cfg --device cpu "$@"); echo "$out"; o=$(grep '^RESULT' <<<"$out")
  echo "== libtorch: $cfg --threads 2 $*"
  out=$($peer $cfg --threads 2 "$@"); echo "$out"; p=$(grep '^RESULT' <<<"$out")
  get() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$2"; }
  ot=$(get train_img_s "$o"); pt=$(get train_img_s "$p"); oe=$(get eval_img_s "$o"); pe=$(get eval_img_s "$p")
  rt=$(python3 -c "print(f'{$ot/$pt:.2f}')"); re=$(python3 -c "print(f'{$oe/$pe:.2f}')")
  printf '| `%s` | %s | %s | %s | %s | %s | %s |\n' "$cfg" "$ot" "$pt" "$rt" "$oe" "$pe" "$re" >> "$work/table.md"
done
echo; echo "date: $(date -u +%Y-%m-%d), cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), cores: $(nproc)"
cat "$work/table.md"
