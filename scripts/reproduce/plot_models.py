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
from reproduce_common import fmt, load, save_figure, stopped  # noqa: E402

WWW2023 = [  # label, run (without -wd...), the hard-negative paper's LightGCN row: NDCG@50, Recall@50
    ("BPR (5 uniform negatives)", "lightgcn-bpr", (0.1469, 0.2470)),
    ("DNS(5,200)", "lightgcn-dns-m5-n200", (0.1954, 0.3176)),
    ("Softmax-v(1,200)", "lightgcn-softmax-v-rho1-n200", (0.1991, 0.3209)),
]
WEIGHT_DECAYS = ("1e-4", "1e-3", "1e-2")  # the reference's grid; each row reports its best
LONG = {  # models.sh www2023-200: each row at 200 epochs with its best weight decay at 100
    "lightgcn-bpr": "lightgcn-bpr-wd1e-4-e200",
    "lightgcn-dns-m5-n200": "lightgcn-dns-m5-n200-wd1e-4-e200",
    "lightgcn-softmax-v-rho1-n200": "lightgcn-softmax-v-rho1-n200-wd1e-3-e200",
}
GOWALLA = [  # label, run, published Recall@20, NDCG@20 (LightGCN paper; SimpleX reference log)
    ("LightGCN + BPR, the reference's L2 and a uniform user per draw", "gowalla-lightgcn-bpr", (0.1830, 0.1554)),
    ("LightGCN + BPR, no L2, each pair once, shuffled", "gowalla-lightgcn-bpr-shuffled", (0.1830, 0.1554)),
    ("SimpleX + CCL", "gowalla-simplex-ccl", (0.1872, 0.1557)),
]


def weight_decay(r):
    """The weight decay of a run's optimizer spec."""
    return r["settings"]["optimizer"].split("wd=")[-1]


def table(runs, rows, metrics, first, pick=None, with_weight_decay=False):
    """Prints one row per run: our `metrics`, the published ones (with
    `with_weight_decay`, the run's weight decay), epochs (best / run when
    early-stopped) and s/epoch. `pick(name)` gives a row's run (default: load
    it). Returns the runs that exist, by label."""
    names = [m.replace("ndcg", "NDCG").replace("recall", "Recall") for m in metrics]
    extra = " weight decay |" if with_weight_decay else ""
    print(f"| {first} | " + " | ".join(names) + " | " +
          " | ".join(f"published {n}" for n in names) + f" |{extra} epochs | s/epoch |")
    print("|---|" + "---|" * (2 * len(metrics) + 2 + (1 if with_weight_decay else 0)))
    done = {}
    for label, name, published in rows:
        r = pick(name) if pick else load(runs, name)
        ours = [fmt(r and r[m]) for m in metrics]
        theirs = [f"{v:.4f}" for v in published]
        column = f" {weight_decay(r) if r else '—'} |" if with_weight_decay else ""
        tail = f"{stopped(r)} | {r['seconds_per_epoch']:.1f}" if r else "not run | —"
        print(f"| {label} | " + " | ".join(ours + theirs) + f" |{column} {tail} |")
        if r:
            done[label] = r
    print()
    return done


def best_weight_decay(runs, name):
    """The run of `name` with the best final NDCG@50 over the weight decays,
    as the paper picks its rows (None if none ran)."""
    ran = [r for r in (load(runs, f"{name}-wd{wd}") for wd in WEIGHT_DECAYS) if r]
    return max(ran, key=lambda r: r["ndcg@50"]) if ran else None


def www2023(runs, png):
    print("Each row is the best of weight decay 1e-4, 1e-3 and 1e-2 (NDCG@50 at the last "
          "epoch), as the paper reports the best point of its grid.\n")
    done = table(runs, WWW2023, ("ndcg@50", "recall@50"), "sampler",
                 lambda name: best_weight_decay(runs, name), with_weight_decay=True)
    print("All runs, NDCG@50 / Recall@50 after 100 epochs:\n")
    print("| sampler | " + " | ".join(f"wd {wd}" for wd in WEIGHT_DECAYS) + " |")
    print("|---|" + "---|" * len(WEIGHT_DECAYS))
    for label, name, _ in WWW2023:
        cells = []
        for wd in WEIGHT_DECAYS:
            r = load(runs, f"{name}-wd{wd}")
            cells.append(f"{fmt(r['ndcg@50'])} / {fmt(r['recall@50'])}" if r else "not run")
        print(f"| {label} | " + " | ".join(cells) + " |")
    print()
    print("At the paper's 200 epochs, each row with the weight decay that won at 100 "
          "(`models.sh www2023-200`):\n")
    table(runs, WWW2023, ("ndcg@50", "recall@50"), "sampler", lambda name: load(runs, LONG[name]),
          with_weight_decay=True)
    if not done:
        return
    fig, ax = plt.subplots(figsize=(5, 3.6))
    for label, r in done.items():
        points = [(e["epoch"], e["ndcg@50"]) for e in r["log"] if "ndcg@50" in e]
        ax.plot([e for e, _ in points], [v for _, v in points], "o-", label=label)
    ax.set_xlabel("epoch")
    ax.set_title("LightGCN, gowalla-www2023 (best wd): NDCG@50", fontsize=10)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    save_figure(fig, png)


def gowalla(runs, png):
    done = table(runs, GOWALLA, ("recall@20", "ndcg@20"), "model + loss")
    if not done:
        return
    print("The table gives each run's figures at its end (an early-stopped run's are its best "
          "epoch's model's). The best evaluated epoch of each run:\n")
    print("| model + loss | Recall@20 | NDCG@20 | epoch |")
    print("|---|---|---|---|")
    for label, r in done.items():
        best = max((e for e in r["log"] if "ndcg@20" in e), key=lambda e: e["ndcg@20"])
        print(f"| {label} | {fmt(best['recall@20'])} | {fmt(best['ndcg@20'])} | {best['epoch']} |")
    print()
    fig, ax = plt.subplots(figsize=(5, 3.6))
    for label, r in done.items():
        if not label.startswith("LightGCN"):
            continue
        points = [(e["epoch"], e["recall@20"]) for e in r["log"] if "recall@20" in e]
        ax.plot([e for e, _ in points], [v for _, v in points], "o-", markersize=3, label=label)
    ax.axhline(GOWALLA[0][2][0], color="grey", linestyle="--", linewidth=1, label="LightGCN paper")
    ax.set_xlabel("epoch")
    ax.set_title("LightGCN + BPR on Gowalla: Recall@20", fontsize=10)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7)
    save_figure(fig, png)


def print_tables(a):
    img = a.doc_dir / "img"
    img.mkdir(parents=True, exist_ok=True)
    print("### LightGCN on gowalla-www2023 (the hard-negative paper's protocol)\n")
    www2023(a.runs, img / "models-lightgcn-www2023.png")
    print("### Gowalla (the LightGCN split)\n")
    gowalla(a.runs, img / "models-gowalla.png")


if __name__ == "__main__":
    sys.exit(reproduce_common.main(__doc__, "models.md", print_tables))
