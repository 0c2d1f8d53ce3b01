"""Shared by the plot_*.py scripts: reading run JSONs and rewriting the
generated block of a reproduction doc."""
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
