#!/usr/bin/env bash
# Publishes Flows.Bench as one self-contained linux-x64 file into .device/ (ignored by git), with the PyTorch
# peer beside it, so that a GPU machine with only the NVIDIA driver (no .NET) can run scripts/gpu/device-check.sh.
# No trimming: ILGPU builds kernels through reflection. The .NET runtime is inside the file; the native libraries
# of the NuGet packages are left beside it (IncludeNativeLibrariesForSelfExtract=false) so that the ones the device
# check never loads can be dropped: ONNX Runtime (29 MB, the features benchmark), SkiaSharp and HarfBuzz (figures),
# Capstone (BenchmarkDotNet's disassembler), and the Windows DLLs and XML docs that packages copy. The folder must fit,
# with the repository's tracked files (about 4 MB), in the device tool's 64 MiB; the script checks and says so.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
out="$root/.device"
rm -rf "$out"
mkdir -p "$out"
dotnet publish Flows.Bench -c Release -r linux-x64 --self-contained \
  -p:PublishSingleFile=true -p:EnableCompressionInSingleFile=true -p:IncludeNativeLibrariesForSelfExtract=false \
  -p:PublishTrimmed=false \
  -p:DebugType=none -p:GenerateDocumentationFile=false -o "$out" -v q
# TraceEvent ships Windows-only ETW helpers (amd64/, x86/, arm64/) as loose content: useless here, 3 MB.
rm -rf "$out/amd64" "$out/x86" "$out/arm64"
rm -f "$out"/libonnxruntime*.so "$out"/libSkiaSharp.so "$out"/libHarfBuzzSharp.so "$out"/libcapstone.so \
  "$out"/*.dll "$out"/*.xml "$out"/*.pdb
# The peer lives in ../shared, which the GPU machine does not have: carry a copy.
peer="$root/../shared/bench/peers/pytorch"
if [[ -d "$peer" ]]; then
  mkdir -p "$out/peers/pytorch"
  cp "$peer"/*.py "$peer"/README.md "$out/peers/pytorch/"
else
  echo "publish.sh: warning: $peer not found; device-check.sh will skip the PyTorch peer" >&2
fi
ls -l "$out/Flows.Bench" | awk '{printf "published %s (%.1f MiB)\n", $NF, $5/1048576}'
ls "$out"
# What one device call carries: the tracked files (the working tree) and .device.
total=$(( $(du -sb "$out" | cut -f1) + $(git ls-files -z | xargs -0 du -cb 2>/dev/null | tail -n 1 | cut -f1) ))
echo "$total" | awk '{printf "device carry: %.1f MiB of the 64 MiB limit (.device and the tracked files)\n", $1/1048576}'
if (( total > 64 * 1048576 )); then
  echo "publish.sh: .device and the tracked files come to more than 64 MiB; the device tool would refuse them" >&2
  exit 1
fi
