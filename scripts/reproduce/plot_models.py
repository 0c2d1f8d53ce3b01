#!/usr/bin/python3
"""Tables and figures of docs/reproduction/models.md from the run JSONs.

    /usr/bin/python3 scripts/reproduce/plot_models.py RUNS_DIR [--doc-dir docs/reproduction] [--print]

RUNS_DIR is what scripts/reproduce/models.sh wrote (one <run>.json per
training run). Writes PNGs into DOC_DIR/img/ and the markdown tables between
the "generated" markers of DOC_DIR/models.md (or to stdout with --print).
Needs Debian's python3-matplotlib.
"""
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

import reproduce_common  # noqa: E402
from reproduce_common import fmt, load, save_figure  # noqa: E402

WWW2023 = [  # label, run, the hard-negative paper's LightGCN row: NDCG@50, Recall@50
    ("BPR (5 uniform negatives)", "lightgcn-bpr", (0.1469, 0.2470)),
    ("DNS(5,200)", "lightgcn-dns-m5-n200", (0.1954, 0.3176)),
    ("Softmax-v(1,200)", "lightgcn-softmax-v-rho1-n200", (0.1991, 0.3209)),
]
GOWALLA = [  # label, run, published Recall@20, NDCG@20 (LightGCN paper; SimpleX reference log)
    ("LightGCN + BPR", "gowalla-lightgcn-bpr", (0.1830, 0.1554)),
    ("SimpleX + CCL", "gowalla-simplex-ccl", (0.1872, 0.1557)),
]


def table(runs, rows, metrics, first):
    """Prints one row per run: our `metrics`, the published ones, epochs and
    s/epoch. Returns the runs that exist, by label."""
    names = [m.replace("ndcg", "NDCG").replace("recall", "Recall") for m in metrics]
    print(f"| {first} | " + " | ".join(names) + " | " +
          " | ".join(f"published {n}" for n in names) + " | epochs | s/epoch |")
    print("|---|" + "---|" * (2 * len(metrics) + 2))
    done = {}
    for label, name, published in rows:
        r = load(runs, name)
        ours = [fmt(r and r[m]) for m in metrics]
        theirs = [f"{v:.4f}" for v in published]
        tail = f"{len(r['log'])} | {r['seconds_per_epoch']:.1f}" if r else "not run | —"
        print(f"| {label} | " + " | ".join(ours + theirs) + f" | {tail} |")
        if r:
            done[label] = r
    print()
    return done


def www2023(runs, png):
    done = table(runs, WWW2023, ("ndcg@50", "recall@50"), "sampler")
    if not done:
        return
    fig, ax = plt.subplots(figsize=(5, 3.6))
    for label, r in done.items():
        points = [(e["epoch"], e["ndcg@50"]) for e in r["log"] if "ndcg@50" in e]
        ax.plot([e for e, _ in points], [v for _, v in points], "o-", label=label)
    ax.set_xlabel("epoch")
    ax.set_title("LightGCN on gowalla-www2023: NDCG@50")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    save_figure(fig, png)


def print_tables(a):
    img = a.doc_dir / "img"
    img.mkdir(parents=True, exist_ok=True)
    print("### LightGCN on gowalla-www2023 (the hard-negative paper's protocol)\n")
    www2023(a.runs, img / "models-lightgcn-www2023.png")
    print("### Gowalla (the LightGCN split)\n")
    table(a.runs, GOWALLA, ("recall@20", "ndcg@20"), "model + loss")


if __name__ == "__main__":
    sys.exit(reproduce_common.main(__doc__, "models.md", print_tables))
