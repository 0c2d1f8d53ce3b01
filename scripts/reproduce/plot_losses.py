#!/usr/bin/python3
"""Tables and figures of docs/reproduction/losses.md from the run JSONs.

    /usr/bin/python3 scripts/reproduce/plot_losses.py RUNS_DIR [--doc-dir docs/reproduction] [--print]

RUNS_DIR is what scripts/reproduce/losses.sh wrote (one <run>.json per
training run, inverse*.md from examples/inverse_learning). Writes PNGs into
DOC_DIR/img/ and the markdown tables between the "generated" markers of
DOC_DIR/losses.md (or to stdout with --print). Needs Debian's
python3-matplotlib.
"""
import pathlib
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

import reproduce_common  # noqa: E402
from reproduce_common import fmt, load, save_figure, stopped  # noqa: E402

ANALYSIS_LOSSES = ("bce", "cce", "bpr")
ANALYSIS_K = (1, 100)
TABLE4 = [  # label, run, the MML paper's Table 4 (MF, Gowalla): Recall@20, NDCG@20
    ("BPR", "table4-bpr", (0.0708, 0.0509)),
    ("Pairwise hinge", "table4-hinge", (0.0758, 0.0541)),
    ("Softmax CE", "table4-cce", (0.0734, 0.0543)),
    ("MSE", "table4-mse", (0.1391, 0.1171)),
    ("CCL", "table4-ccl", (0.1783, 0.1426)),
    ("BSL", "table4-bsl", (0.1804, 0.1521)),
    ("MML", "table4-mml", (0.1816, 0.1435)),
]
FIGURE3_LOSSES = ("ccl", "bsl", "mml")
FIGURE3_K = (10, 100, 800)


def evaluated(run, metric):
    """(epoch, value) of every epoch of the run's log that measured `metric`."""
    return [(e["epoch"], e[metric]) for e in run["log"] if metric in e]


def analysis(runs, png):
    print("Final epoch (NDCG@10, MRR, Recall@20 over all test users) and the share of sampled "
          "negatives that scored above their positive / at or above zero, in the first and the "
          "last epoch:\n")
    print("| loss | negatives | NDCG@10 | MRR | Recall@20 | above positive (first → last) "
          "| ≥ 0 (first → last) | s/epoch |")
    print("|---|---|---|---|---|---|---|---|")
    fig, axes = plt.subplots(1, 4, figsize=(16, 3.6))
    for loss in ANALYSIS_LOSSES:
        for k in ANALYSIS_K:
            name = f"analysis-{loss}-k{k}"
            r = load(runs, name)
            if not r:
                print(f"| {loss.upper()} | {k} | — | — | — | — | — | — |")
                continue
            log = r["log"]
            above = [e["negatives_above_positive"] / e["negatives"] for e in log]
            nonneg = [e["negatives_nonnegative"] / e["negatives"] for e in log]
            print(f"| {loss.upper()} | {k} | {fmt(r['ndcg@10'])} | {fmt(r['mrr'])} | {fmt(r['recall@20'])} "
                  f"| {above[0]:.3f} → {above[-1]:.3f} | {nonneg[0]:.3f} → {nonneg[-1]:.3f} "
                  f"| {r['seconds_per_epoch']:.2f} |")
            style = "-" if k > 1 else "--"
            label = f"{loss.upper()}, {k} neg."
            epochs = [e["epoch"] for e in log]
            for ax, series in ((axes[0], evaluated(r, "ndcg@10")), (axes[1], evaluated(r, "mrr"))):
                ax.plot([x for x, _ in series], [y for _, y in series], style, label=label)
            axes[2].plot(epochs, above, style, label=label)
            axes[3].plot(epochs, nonneg, style, label=label)
    print()
    for ax, title in zip(axes, ("NDCG@10", "MRR", "negatives above the positive",
                                "negatives scored ≥ 0")):
        ax.set_title(title)
        ax.set_xlabel("epoch")
        ax.grid(alpha=0.3)
    axes[2].set_yscale("log")
    axes[0].legend(fontsize=7)
    save_figure(fig, png)


def table4(runs, png):
    print("The model of the best epoch (Recall@20 on the test set, the reference's monitor); "
          "epochs: best / run.\n")
    print("| loss | Recall@20 | NDCG@20 | paper Recall@20 | paper NDCG@20 | epochs | s/epoch |")
    print("|---|---|---|---|---|---|---|")
    fig, ax = plt.subplots(figsize=(6, 3.6))
    for label, name, (pr, pn) in TABLE4:
        r = load(runs, name)
        epochs = stopped(r) if r else "—"
        spe = f"{r['seconds_per_epoch']:.1f}" if r else "—"
        print(f"| {label} | {fmt(r and r['recall@20'])} | {fmt(r and r['ndcg@20'])} | {pr:.4f} | {pn:.4f} "
              f"| {epochs} | {spe} |")
        if r:
            series = evaluated(r, "recall@20")
            ax.plot([x for x, _ in series], [y for _, y in series], label=label)
    ax.set_xlabel("epoch")
    ax.set_title("Recall@20 after each epoch")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7)
    print()
    save_figure(fig, png)


def figure3(runs, png):
    print("| loss | " + " | ".join(f"{k} negatives" for k in FIGURE3_K) + " |")
    print("|---|" + "---|" * len(FIGURE3_K))
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.6))
    for loss in FIGURE3_LOSSES:
        names = [f"table4-{loss}" if k == 100 else f"figure3-{loss}-k{k}" for k in FIGURE3_K]
        rs = [load(runs, n) for n in names]
        cells = [f"{fmt(r['recall@20'])} / {fmt(r['ndcg@20'])} ({stopped(r)})" if r else "—" for r in rs]
        print(f"| {loss.upper()} | " + " | ".join(cells) + " |")
        for ax, metric in zip(axes, ("recall@20", "ndcg@20")):
            points = [(k, r[metric]) for k, r in zip(FIGURE3_K, rs) if r]
            ax.plot([k for k, _ in points], [v for _, v in points], "o-", label=loss.upper())
    print("\n(cells: Recall@20 / NDCG@20 (epochs: best / run))\n")
    for ax, metric in zip(axes, ("Recall@20", "NDCG@20")):
        ax.set_xscale("log")
        ax.set_xlabel("negatives per positive")
        ax.set_title(metric)
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize=8)
    save_figure(fig, png)


def print_tables(a):
    img = a.doc_dir / "img"
    img.mkdir(parents=True, exist_ok=True)
    print("### BCE, CCE and BPR with 1 and 100 negatives\n")
    analysis(a.runs, img / "losses-analysis.png")
    print("### Table 4 (MF, Gowalla, 100 negatives)\n")
    table4(a.runs, img / "losses-table4.png")
    print("### Figure 3: CCL, BSL and MML against the number of negatives\n")
    figure3(a.runs, img / "losses-figure3.png")
    for name, title in (("inverse", "Inverse learning on noisy synthetic data: the preset"),
                        ("inverse-labelled50", "... with 50 labelled rows per user (`--labelled 50`)"),
                        ("inverse-hidden50", "... with half of the unlabelled items positive (`--hidden 0.5`)")):
        print(f"\n### {title}\n")
        table = a.runs / f"{name}.md"
        print(table.read_text().rstrip() if table.exists() else "(not run)")


if __name__ == "__main__":
    sys.exit(reproduce_common.main(__doc__, "losses.md", print_tables))
