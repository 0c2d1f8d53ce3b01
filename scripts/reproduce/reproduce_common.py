"""Shared by the plot_*.py scripts: reading run JSONs and rewriting the
generated block of a reproduction doc."""
import argparse
import contextlib
import io
import json
import pathlib

BEGIN, END = "<!-- generated:begin -->", "<!-- generated:end -->"


def load(runs: pathlib.Path, name: str):
    """The JSON of run `name` (what `hardneg train --metrics-out` wrote), or None."""
    path = runs / f"{name}.json"
    if not path.exists():
        return None
    with open(path) as f:
        return json.load(f)


def fmt(x, digits=4):
    return "—" if x is None else f"{x:.{digits}f}"


def stopped(r) -> str:
    """'best epoch / epochs run' of an early-stopped run, else the epochs run."""
    epochs = len(r["log"])
    return f"{r['best_epoch']} / {epochs}" if "best_epoch" in r else str(epochs)


def save_figure(fig, png: pathlib.Path) -> None:
    """Writes a matplotlib figure as PNG and prints its markdown image link
    (relative to the doc, which sits next to img/)."""
    import matplotlib.pyplot as plt
    fig.tight_layout()
    fig.savefig(png, dpi=110)
    plt.close(fig)
    print(f"![{png.stem}](img/{png.name})\n")


def replace_generated(doc: pathlib.Path, print_tables) -> None:
    """Runs print_tables() and puts what it prints between the doc's markers."""
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        print_tables()
    text = doc.read_text()
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    doc.write_text(head + BEGIN + "\n\n" + buf.getvalue().rstrip() + "\n\n" + END + tail)
    print(f"updated {doc}")


def main(description: str, doc_name: str, print_tables) -> int:
    """The command line of a plot script: RUNS_DIR [--doc-dir DIR] [--print].
    print_tables(args) prints the markdown (and writes the PNGs); without
    --print it replaces the generated block of DOC_DIR/doc_name."""
    ap = argparse.ArgumentParser(description=description, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("runs", type=pathlib.Path)
    ap.add_argument("--doc-dir", type=pathlib.Path, default=pathlib.Path("docs/reproduction"))
    ap.add_argument("--print", action="store_true", help="print the tables instead of updating the doc")
    a = ap.parse_args()
    if a.print:
        print_tables(a)
    else:
        replace_generated(a.doc_dir / doc_name, lambda: print_tables(a))
    return 0
