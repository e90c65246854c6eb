#!/usr/bin/env bash
# Times the three 3x3 convolution passes (forward, backward-data, backward-weight) with our managed CPU backend
# (`Flows.Bench conv`) and with libtorch (scripts/cpu/peer-conv, TorchSharp-cpu) back to back on this machine,
# and prints the GFLOP/s table with the ratio ours / libtorch. The two programs alternate for ROUNDS rounds
# (default 3) and each side's median over the rounds is compared, so a burst of load on the shared VM
# cannot decide a ratio on its own.
# Usage: [ROUNDS=3] scripts/cpu/compare-conv.sh [extra args for both, e.g. --reps 5 --shapes 32:64:64:3:28x28]
# The peer is copied to a temporary folder and built there (about 500 MB, deleted afterwards); PEER_CONV_BIN=path
# reuses a peer binary built before (e.g. /tmp/peer-conv/bin/Release/net10.0/linux-x64/PeerConv).
set -euo pipefail
cd "$(dirname "$0")/../.."
weaken="$(realpath ../shared/bench/peers/torchsharp-flows/weaken_glibcxx.py 2>/dev/null || true)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
if [ -n "${PEER_CONV_BIN:-}" ]; then
  peer="$PEER_CONV_BIN"   # a peer built earlier, to skip the build
else
  [ -f "$weaken" ] || { echo "weaken_glibcxx.py not found under ../shared/bench/peers/torchsharp-flows"; exit 1; }
  cp -r scripts/cpu/peer-conv "$work/peer"
  rm -rf "$work/peer/bin" "$work/peer/obj"
  echo "building the peer in $work/peer ..."
  (cd "$work/peer" && dotnet build -c Release -v q -nologo -p:WeakenScript="$weaken" >/dev/null)
  peer="$work/peer/bin/Release/net10.0/linux-x64/PeerConv"
fi
dotnet build Flows.Bench -c Release -v q -nologo >/dev/null

rounds="${ROUNDS:-3}"
for round in $(seq 1 "$rounds"); do
  echo "== round $round/$rounds, ours: conv $*"
  dotnet Flows.Bench/bin/Release/net10.0/Flows.Bench.dll conv --device cpu "$@" | tee -a "$work/ours.txt"
  echo "== round $round/$rounds, libtorch: --threads $(nproc) $*"
  "$peer" --threads "$(nproc)" "$@" | tee -a "$work/peer.txt"
done

# join the CONV lines on (shape, pass); the shape is the key without kind/threads/timings; median over rounds
python3 - "$work/ours.txt" "$work/peer.txt" > "$work/table.md" <<'EOF'
import statistics, sys
def read(path):
    rows = {}
    for line in open(path):
        if not line.startswith("CONV "): continue
        f = dict(kv.split("=", 1) for kv in line.split()[1:])
        shape = f"b{f['batch']} {f['cin']}-{f['cout']} k{f['k']} {f['h']}x{f['w']}"
        rows.setdefault((shape, f["kind"]), []).append(float(f["gflops"]))
    return {key: statistics.median(values) for key, values in rows.items()}
ours, peer = read(sys.argv[1]), read(sys.argv[2])
print("| shape | pass | ours GFLOP/s | libtorch GFLOP/s | ratio |\n|---|---|---|---|---|")
for key, o in ours.items():
    p = peer.get(key)
    theirs = f"{p:.1f} | {o / p:.2f}" if p else "n/a | n/a"
    print(f"| {key[0]} | {key[1]} | {o:.1f} | {theirs} |")
EOF
echo; echo "rounds: $rounds (medians), date: $(date -u +%Y-%m-%d), cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), cores: $(nproc), load: $(cut -d' ' -f1-3 /proc/loadavg)"
cat "$work/table.md"
