"""Turns the device check's RESULT lines (ours from `Flows.Bench step`, the peer's from torch_peer.py) into the
ratio table of the GPU section of docs/PERFORMANCE.md, as markdown on stdout.

A ratio is the peer's time over ours (our speed over the peer's): above 1 where we are faster. Where a shape was run
in several rounds, each side's median is used. A RESULT line is `RESULT key=value ...`; ours carry device=cuda and
cuda_graph=off|replayed|failed|unavailable, the peer's device=torch-cuda. Standard library only (the table is also written on a
machine without PyTorch, and its test runs on sample lines). Usage: python3 ratio_table.py FILE... > table.md
"""
import math
import statistics
import sys


def parse(lines):
    rows = []
    for line in lines:
        line = line.strip()
        if not line.startswith("RESULT "):
            continue
        fields = dict(part.split("=", 1) for part in line.split()[1:] if "=" in part)
        rows.append(fields)
    return rows


def number(row, key):
    try:
        value = float(row.get(key, "nan"))
    except ValueError:
        return math.nan
    return value


def median(values):
    values = [v for v in values if not math.isnan(v)]
    return statistics.median(values) if values else math.nan


def side(row):
    if row.get("device") == "torch-cuda":
        return "peer"
    graph = row.get("cuda_graph", "off")
    return {"replayed": "graph", "failed": "graph-failed", "unavailable": "graph-unavailable"}.get(graph, "eager")


def text(value, digits=2):
    return "—" if math.isnan(value) else f"{value:.{digits}f}"


def ratio(peer, ours):
    return "—" if math.isnan(peer) or math.isnan(ours) or ours <= 0 else f"**{peer / ours:.2f}**"


def table(rows):
    train, evals, params = {}, {}, {}
    for row in rows:
        key = (row.get("model", "?"), int(number(row, "batch")) if not math.isnan(number(row, "batch")) else 0)
        who = side(row)
        train.setdefault(key, {}).setdefault(who, []).append(number(row, "train_ms_median"))
        params.setdefault(key, {})[who if who == "peer" else "ours"] = row.get("params", "?")
        eval_batch = row.get("eval_batch", "0")
        if eval_batch not in ("0", "") and not math.isnan(number(row, "eval_ms_median")):
            ekey = (row.get("model", "?"), int(eval_batch))
            cell = evals.setdefault(ekey, {})
            cell.setdefault("peer" if who == "peer" else "ours", []).append(number(row, "eval_ms_median"))
            if who != "peer":
                cell.setdefault("peak", []).append(number(row, "eval_peak_mib"))
    out = []
    out.append("| model | batch | ours eager ms | ours graph ms | PyTorch ms (TF32 off) | PyTorch / ours eager | PyTorch / ours graph | params ours / PyTorch |")
    out.append("|---|---|---|---|---|---|---|---|")
    for key in sorted(train):
        cell = train[key]
        eager, graph, peer = (median(cell.get(k, [])) for k in ("eager", "graph", "peer"))
        graph_text = (text(graph) if not math.isnan(graph) else "capture failed" if "graph-failed" in cell
                      else "no graphs on this device" if "graph-unavailable" in cell else "—")
        p = params.get(key, {})
        out.append(f"| {key[0]} | {key[1]} | {text(eager)} | {graph_text} | {text(peer)} | {ratio(peer, eager)} | "
                   f"{ratio(peer, graph)} | {p.get('ours', '—')} / {p.get('peer', '—')} |")
    if evals:
        out.append("")
        out.append("| model | eval batch | ours ms | PyTorch ms (TF32 off) | PyTorch / ours | our peak live MiB |")
        out.append("|---|---|---|---|---|---|")
        for key in sorted(evals):
            cell = evals[key]
            ours, peer = median(cell.get("ours", [])), median(cell.get("peer", []))
            out.append(f"| {key[0]} | {key[1]} | {text(ours)} | {text(peer)} | {ratio(peer, ours)} | {text(median(cell.get('peak', [])), 0)} |")
    return "\n".join(out)


def main(paths):
    lines = []
    for path in paths:
        with open(path, encoding="utf-8", errors="replace") as f:
            lines.extend(f.readlines())
    rows = parse(lines)
    if not rows:
        print("ratio_table: no RESULT lines in " + ", ".join(paths), file=sys.stderr)
        return 1
    print(table(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
