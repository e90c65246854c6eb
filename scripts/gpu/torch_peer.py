"""The PyTorch peer on the device check's shapes, with TF32 off, printed as our RESULT lines.

Imports the shared peer (torch_flows_anchor.py: the paper's RealNVP and Glow in PyTorch, parameter counts checked
against the spec) from the folder given as the first argument and runs only its training step (zero_grad, NLL,
backward, clip 100, Adam) at batch 32 and 64 and its eval-mode NLL at batch 1024, in float32 with TF32 off for both
cuBLAS and cuDNN, so that its arithmetic is that of our kernels. Each measurement becomes one line in the format of
`Flows.Bench step` (device=torch-cuda), which scripts/gpu/ratio_table.py reads beside ours.
Usage: python3 torch_peer.py PEER_DIR [batch ...]
"""
import json
import sys

peer_dir = sys.argv[1]
batches = [int(b) for b in sys.argv[2:]] or [32, 64]
sys.path.insert(0, peer_dir)
import torch  # noqa: E402
import torch_flows_anchor as peer  # noqa: E402

torch.backends.cudnn.benchmark = True  # the peer's own setting
torch.backends.cuda.matmul.allow_tf32 = False
torch.backends.cudnn.allow_tf32 = False

MODELS = [("realnvp", "realnvp_fmnist", peer.RealNVP, 64, 6), ("glow", "glow_fmnist", peer.Glow, 200, 3)]

print(json.dumps({"kind": "env", "torch": torch.__version__, "gpu": torch.cuda.get_device_name(0),
                  "cudnn": torch.backends.cudnn.version(), "tf32": False}), flush=True)
status = 0
for short, name, make, mid, blocks in MODELS:
    for batch in batches:
        start = len(peer.results)
        try:
            peer.train_bench(name, make, batch, False)
        except Exception as e:  # one shape's failure (out of memory, a driver error) must not hide the others
            print(f"torch_peer: {name} batch {batch}: {e!r}", flush=True)
            status = 1
            continue
        train = next(r for r in peer.results[start:] if r["kind"] == "train_step")
        evals = [r for r in peer.results[start:] if r["kind"] == "eval_1024"]
        ev = evals[0] if evals else {"ms_median": float("nan"), "img_per_s": float("nan")}
        print(f"RESULT model={short} mid={mid} blocks={blocks} batch={batch} params={train['params']} "
              f"train_ms_median={train['ms_median']:.2f} train_img_s={train['img_per_s']:.2f} "
              f"eval_img_s={ev['img_per_s']:.2f} eval_batch=1024 train_ms_min={train['ms_min']:.2f} "
              f"train_ms_max={train['ms_max']:.2f} eval_ms_median={ev['ms_median']:.2f} device=torch-cuda tf32=0 "
              f"train_peak_mib={train['peak_mem_mb']:.1f}", flush=True)
sys.exit(status)
