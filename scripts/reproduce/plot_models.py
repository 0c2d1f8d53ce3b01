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
GOWALLA = [  # label, run, published Recall@20, NDCG@20
    ("LightGCN + BPR", "gowalla-lightgcn-bpr", (0.1830, 0.1554), "LightGCN paper"),
    ("SimpleX + CCL", "gowalla-simplex-ccl", (0.1872, 0.1557), "SimpleX reference log"),
]


def curve(run, metric):
    return [(e["epoch"], e[metric]) for e in run["log"] if metric in e]


def www2023(runs, png):
    print("| sampler | NDCG@50 | Recall@50 | paper NDCG@50 | paper Recall@50 | epochs | s/epoch |")
    print("|---|---|---|---|---|---|---|")
    fig, ax = plt.subplots(figsize=(5, 3.6))
    for label, name, (pn, pr) in WWW2023:
        r = load(runs, name)
        if not r:
            print(f"| {label} | — | — | {pn:.4f} | {pr:.4f} | not run | — |")
            continue
        print(f"| {label} | {fmt(r['ndcg@50'])} | {fmt(r['recall@50'])} | {pn:.4f} | {pr:.4f} "
              f"| {len(r['log'])} | {r['seconds_per_epoch']:.1f} |")
        points = curve(r, "ndcg@50")
        ax.plot([e for e, _ in points], [v for _, v in points], "o-", label=label)
    print()
    ax.set_xlabel("epoch")
    ax.set_title("LightGCN on gowalla-www2023: NDCG@50")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    save_figure(fig, png)


def gowalla(runs):
    print("| model + loss | Recall@20 | NDCG@20 | published Recall@20 | published NDCG@20 | source "
          "| epochs | s/epoch |")
    print("|---|---|---|---|---|---|---|---|")
    for label, name, (pr, pn), source in GOWALLA:
        r = load(runs, name)
        if not r:
            print(f"| {label} | — | — | {pr:.4f} | {pn:.4f} | {source} | not run | — |")
            continue
        print(f"| {label} | {fmt(r['recall@20'])} | {fmt(r['ndcg@20'])} | {pr:.4f} | {pn:.4f} "
              f"| {source} | {len(r['log'])} | {r['seconds_per_epoch']:.1f} |")
    print()


def print_tables(a):
    img = a.doc_dir / "img"
    img.mkdir(parents=True, exist_ok=True)
    print("### LightGCN on gowalla-www2023 (the hard-negative paper's protocol)\n")
    www2023(a.runs, img / "models-lightgcn-www2023.png")
    print("### Gowalla (the LightGCN split)\n")
    gowalla(a.runs)


if __name__ == "__main__":
    sys.exit(reproduce_common.main(__doc__, "models.md", print_tables))
