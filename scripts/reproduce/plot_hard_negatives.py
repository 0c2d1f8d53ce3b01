#!/usr/bin/python3
"""Tables and figures of docs/reproduction/hard-negatives.md from the run JSONs.

    /usr/bin/python3 scripts/reproduce/plot_hard_negatives.py RUNS_DIR [--doc-dir docs/reproduction]

RUNS_DIR is what scripts/reproduce/hard_negatives.sh wrote (one <run>.json per
training run, figure6.csv, figure7.csv). Writes PNGs into DOC_DIR/img/ and the
markdown tables (Table 2, the sweeps with the best value per K marked, the
curve check) between the "generated" markers of DOC_DIR/hard-negatives.md
(or to stdout with --print). Needs Debian's python3-matplotlib.
"""
import csv
import math
import pathlib
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

import reproduce_common  # noqa: E402
from reproduce_common import fmt, load, save_figure  # noqa: E402

KS = (5, 20, 50)
M_SWEEP = (1, 2, 3, 4, 5, 10, 20)
N_SWEEP = (20, 50, 100, 200, 400)
RHO_SWEEP = ("0.01", "0.1", "1", "10", "100")
WD_GRID = ("", "-wd1e-3", "-wd1e-2")  # run name suffixes: weight decay 1e-4 (the default), 1e-3, 1e-2
# Table 2: label, the runs the row may show (the best NDCG@50 among them: a
# sweep, or a weight-decay grid as the paper tunes it per row), and the paper's
# NDCG@50 / Recall@50 (WWW'23 Table 2, MF on its Gowalla split) where it has one.
TABLE_ROWS = [
    ("BPR (uniform, 5 negatives)", ["bpr"], (0.1216, 0.2048)),
    ("DNS (classic: best of 50, 5 slots)", ["dns-classic"], None),
    ("AOBPR", ["aobpr"], None),
    ("WARP (hinge)", ["warp"], None),
    ("IRGAN", [f"irgan{w}" for w in WD_GRID], None),
    ("Kernel", ["kernel"], None),
    ("PRIS (uniform)", ["pris-u"], None),
    ("PRIS (popularity)", ["pris-p"], None),
    ("AdaSIR (uniform)", [f"adasir-u{w}" for w in WD_GRID], None),
    ("AdaSIR (popularity)", [f"adasir-p{w}" for w in WD_GRID], None),
    ("SRNS", [f"srns{w}" for w in WD_GRID], None),
    ("DNS(M, N=200), best M", [f"dns-m{m}-n200" for m in M_SWEEP], (0.1811, 0.2989)),
    ("Softmax-v(rho, N=200), best rho", [f"softmax-v-rho{r}-n200" for r in RHO_SWEEP], (0.1837, 0.2993)),
]
# Runs made again with the user's train items excluded from the negatives.
EXCLUDING_SEEN = [
    ("BPR (uniform, 5 negatives)", "bpr"),
    ("AdaSIR (uniform)", "adasir-u"),
    ("SRNS", "srns"),
    ("DNS(1, 200)", "dns-m1-n200"),
]


def best_of(runs, names):
    """The run of `names` with the highest NDCG@50 (the paper's criterion)."""
    scored = [(r["ndcg@50"], n, r) for n in names if (r := load(runs, n))]
    return max(scored, key=lambda t: t[0])[1:] if scored else (None, None)


def table2(runs):
    print("| sampler | run | NDCG@50 | Recall@50 | paper NDCG@50 | paper Recall@50 | s/epoch |")
    print("|---|---|---|---|---|---|---|")
    for label, names, paper in TABLE_ROWS:
        name, r = best_of(runs, names)
        p = paper or (None, None)
        spe = f"{r['seconds_per_epoch']:.2f}" if r else "—"
        print(f"| {label} | {name or '—'} | {fmt(r and r['ndcg@50'])} | {fmt(r and r['recall@50'])} "
              f"| {fmt(p[0])} | {fmt(p[1])} | {spe} |")


def weight_decay(runs):
    """The adaptive baselines over the paper's weight-decay grid."""
    print("| sampler | wd 1e-4 | wd 1e-3 | wd 1e-2 |")
    print("|---|---|---|---|")
    for label, base in (("AdaSIR (uniform)", "adasir-u"), ("AdaSIR (popularity)", "adasir-p"),
                        ("SRNS", "srns"), ("IRGAN", "irgan")):
        cells = []
        for suffix in WD_GRID:
            r = load(runs, base + suffix)
            cells.append(f"{fmt(r and r['ndcg@50'])} / {fmt(r and r['recall@50'])}")
        print(f"| {label} | " + " | ".join(cells) + " |")
    print()


def excluding_seen(runs):
    """Seen items allowed as negatives (the protocol) against excluded."""
    print("| sampler | seen allowed: NDCG@50 / Recall@50 | seen excluded: NDCG@50 / Recall@50 |")
    print("|---|---|---|")
    for label, name in EXCLUDING_SEEN:
        a, e = load(runs, name), load(runs, name + "-excl")
        print(f"| {label} | {fmt(a and a['ndcg@50'])} / {fmt(a and a['recall@50'])} "
              f"| {fmt(e and e['ndcg@50'])} / {fmt(e and e['recall@50'])} |")
    print()


def sweep(runs, title, xs, name_of, xlabel, png, logx=False):
    """Figure 8-10 style: NDCG and Recall @5/20/50 against the swept value,
    best value per K marked; prints the table with the best cell in bold."""
    rows = [(x, load(runs, name_of(x))) for x in xs]
    rows = [(x, r) for x, r in rows if r]
    if not rows:
        print(f"({title}: no runs yet)\n")
        return
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.8))
    best = {}
    for ax, metric in zip(axes, ("ndcg", "recall")):
        for k in KS:
            key = f"{metric}@{k}"
            ys = [r[key] for _, r in rows]
            xv = [float(x) for x, _ in rows]
            i = max(range(len(ys)), key=ys.__getitem__)
            best[key] = rows[i][0]
            # Each K on its own scale (relative to its best) so the optima compare.
            rel = [y / ys[i] for y in ys]
            (line,) = ax.plot(xv, rel, marker="o", label=f"@{k}")
            ax.plot([xv[i]], [1.0], marker="*", markersize=16, color=line.get_color())
        ax.set_xlabel(xlabel)
        ax.set_ylabel(f"{metric.upper()}@K / its best")
        if logx:
            ax.set_xscale("log")
        ax.grid(alpha=0.3)
        ax.legend()
    fig.suptitle(title)
    save_figure(fig, png)
    cols = [f"{m}@{k}" for m in ("ndcg", "recall") for k in KS]
    print(f"| {xlabel} | " + " | ".join(c.replace("ndcg", "NDCG").replace("recall", "Recall") for c in cols) + " |")
    print("|---" * (len(cols) + 1) + "|")
    for x, r in rows:
        cells = [(f"**{r[c]:.4f}**" if best[c] == x else f"{r[c]:.4f}") for c in cols]
        print(f"| {x} | " + " | ".join(cells) + " |")
    print()
    print("Best value per K: " + ", ".join(f"{c}: {best[c]}" for c in cols))
    print()


def curves(runs, names, png):
    """NDCG@50 at each evaluation against the epoch, to show where runs flatten."""
    fig, ax = plt.subplots(figsize=(6, 3.8))
    print("| run | " + " | ".join("epoch {}".format(e) for e in (25, 50, 75, 100)) + " |")
    print("|---|---|---|---|---|")
    for n in names:
        r = load(runs, n)
        if not r:
            continue
        pts = [(e["epoch"], e["ndcg@50"]) for e in r.get("log", []) if "ndcg@50" in e]
        if not pts:
            continue
        ax.plot([p[0] for p in pts], [p[1] for p in pts], marker="o", label=n)
        by_epoch = dict(pts)
        print(f"| {n} | " + " | ".join(fmt(by_epoch.get(e)) for e in (25, 50, 75, 100)) + " |")
    print()
    ax.set_xlabel("epoch")
    ax.set_ylabel("NDCG@50")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7)
    save_figure(fig, png)


def figure6(runs, png):
    path = runs / "figure6.csv"
    if not path.exists():
        return
    with open(path) as f:
        rows = list(csv.DictReader(f))
    beta = [float(r["beta"]) for r in rows]
    cols = [c for c in rows[0] if c != "beta"]
    fig, axes = plt.subplots(1, 3, figsize=(13, 3.6), sharey=True)
    for ax, family in zip(axes, ("recall", "precision", "ndcg")):
        for c in cols:
            if c.startswith(family):
                ax.plot(beta, [float(r[c]) for r in rows], label=c)
        ax.set_xscale("log")
        ax.set_xlabel("beta")
        ax.set_title(f"corr({family}@K, OPAUC_norm(beta))")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
    save_figure(fig, png)
    print("| metric | beta of the highest correlation | correlation |")
    print("|---|---|---|")
    for c in cols:
        vals = [float(r[c]) for r in rows]
        i = max(range(len(vals)), key=vals.__getitem__)
        print(f"| {c} | {beta[i]:.4f} | {vals[i]:.3f} |")
    print()


def figure7(runs, png):
    path = runs / "figure7.csv"
    if not path.exists():
        return
    with open(path) as f:
        rows = list(csv.DictReader(f))
    rows.sort(key=lambda r: int(r["rank"]))
    # One sampler: a "cumulative" column; several: "cumulative(<sampler>)".
    groups = {c[len("cumulative("):-1] if c != "cumulative" else "sampler": c
              for c in rows[0] if c.startswith("cumulative")}
    fig, ax = plt.subplots(figsize=(6.5, 4))
    print("| sampler | P(top 1%) | P(top 5%) | P(top 20%) |")
    print("|---|---|---|---|")
    # The CSV may keep only some ranks (hard_negatives.sh thins it); the last
    # row is the lowest-scored negative, so its rank is the count.
    ranks = [int(r["rank"]) for r in rows]
    n = ranks[-1]
    for name, column in groups.items():
        cum = dict(zip(ranks, (float(r[column]) for r in rows)))
        ax.plot([k / n for k in ranks], [cum[k] for k in ranks], label=name)
        at = lambda q: cum[max(1, math.ceil(q * n))]
        print(f"| {name} | {at(0.01):.3f} | {at(0.05):.3f} | {at(0.20):.3f} |")
    print()
    ax.set_xscale("log")
    ax.set_xlabel("negatives ranked by score (fraction, best first)")
    ax.set_ylabel("cumulative sampling probability")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7)
    save_figure(fig, png)


def print_tables(a):
    img = a.doc_dir / "img"
    img.mkdir(parents=True, exist_ok=True)

    print("### Table 2 (MF, gowalla-www2023)\n")
    table2(a.runs)
    print("\n### Weight decay of the adaptive baselines (NDCG@50 / Recall@50)\n")
    weight_decay(a.runs)
    print("### Seen items as negatives: allowed (the protocol) or excluded\n")
    excluding_seen(a.runs)
    print("### Gowalla (LightGCN split)\n")
    print("| sampler | NDCG@50 | Recall@50 | NDCG@20 | Recall@20 |")
    print("|---|---|---|---|---|")
    for label, n in (("BPR (uniform, 5)", "gowalla-bpr"), ("DNS(5, 200)", "gowalla-dns-m5-n200"),
                     ("Softmax-v(1, 200)", "gowalla-softmax-v-rho1-n200")):
        r = load(a.runs, n)
        print(f"| {label} | {fmt(r and r['ndcg@50'])} | {fmt(r and r['recall@50'])} "
              f"| {fmt(r and r['ndcg@20'])} | {fmt(r and r['recall@20'])} |")
    print("\n### Figure 8: DNS(M, 200)\n")
    sweep(a.runs, "DNS(M, N=200)", M_SWEEP, lambda m: f"dns-m{m}-n200", "M", img / "figure8-m.png")
    print("### Figure 9: DNS(5, N)\n")
    sweep(a.runs, "DNS(M=5, N)", N_SWEEP, lambda n: f"dns-m5-n{n}", "N", img / "figure9-n.png", logx=True)
    print("### Figure 10: Softmax-v(rho, 200)\n")
    sweep(a.runs, "Softmax-v(rho, N=200)", RHO_SWEEP, lambda r: f"softmax-v-rho{r}-n200", "rho",
          img / "figure10-rho.png", logx=True)
    print("### Curves (NDCG@50 per evaluation)\n")
    curves(a.runs, ["bpr", "dns-m5-n200", "dns-m1-n200", "dns-m20-n200", "softmax-v-rho1-n200",
                    "softmax-v-rho100-n200"], img / "curves.png")
    print("### Figure 6\n")
    figure6(a.runs, img / "figure6-opauc.png")
    print("### Figure 7\n")
    figure7(a.runs, img / "figure7-sampling.png")


if __name__ == "__main__":
    sys.exit(reproduce_common.main(__doc__, "hard-negatives.md", print_tables))
