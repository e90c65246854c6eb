#!/usr/bin/env bash
# Publishes Flows.Bench as one self-contained linux-x64 file into .device/ (ignored by git), with the PyTorch
# peer beside it, so that a GPU machine with only the NVIDIA driver (no .NET) can run scripts/gpu/device-check.sh.
# No trimming: ILGPU builds kernels through reflection. Native libraries go inside the file too (extracted
# on first run), so the folder stays one binary plus the peer and fits the device tool's 64 MiB carry.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
out="$root/.device"
rm -rf "$out"
mkdir -p "$out"
dotnet publish Flows.Bench -c Release -r linux-x64 --self-contained \
  -p:PublishSingleFile=true -p:EnableCompressionInSingleFile=true -p:IncludeNativeLibrariesForSelfExtract=true \
  -p:PublishTrimmed=false \
  -p:DebugType=none -o "$out" -v q
# TraceEvent ships Windows-only ETW helpers (amd64/, x86/, arm64/) as loose content: useless here, 3 MB.
rm -rf "$out/amd64" "$out/x86" "$out/arm64"
# The peer lives in ../shared, which the GPU machine does not have: carry a copy.
peer="$root/../shared/bench/peers/pytorch"
if [[ -d "$peer" ]]; then
  mkdir -p "$out/peers/pytorch"
  cp "$peer"/*.py "$peer"/README.md "$out/peers/pytorch/"
else
  echo "publish.sh: warning: $peer not found; device-check.sh will skip the PyTorch peer" >&2
fi
ls -l "$out/Flows.Bench" | awk '{printf "published %s (%.1f MB)\n", $NF, $5/1048576}'
