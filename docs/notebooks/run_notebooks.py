"""Execute the notebooks of docs/notebooks/ with nbclient (``make notebook``, ``.ci/run``).

Each notebook runs in the repository root with this interpreter's ``python3`` kernel
(ipykernel from the ``test`` extra); figures are embedded in the executed copy.  The executed copy, with
its outputs, goes to ``--out`` (default ``results/notebooks/``, git-ignored); the committed
notebook is never written, so it stays without outputs (tests/test_interop.py checks that).
A failing cell ends the run with exit status 1 and the cell's error.

Usage::

    .venv/bin/python docs/notebooks/run_notebooks.py [NOTEBOOK.ipynb ...] [--out DIR]
        [--timeout SECONDS]
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent


def main(argv: list[str] | None = None) -> int:
    """Execute the notebooks; returns the exit status."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("notebooks", nargs="*", type=Path,
                   help="notebooks to run (default: every docs/notebooks/*.ipynb)")
    p.add_argument("--out", type=Path, default=ROOT / "results" / "notebooks",
                   help="directory for the executed copies (default: results/notebooks)")
    p.add_argument("--timeout", type=int, default=900,
                   help="seconds allowed per cell (default 900: a cold compile of the "
                        "quick runs)")
    args = p.parse_args(argv)
    try:
        import nbformat
        from nbclient import NotebookClient
        from nbclient.exceptions import CellExecutionError
    except ImportError as exc:
        print(f"run_notebooks: {exc.name} is not installed; install the test extra: "
              f"pip install -e '.[test]'", file=sys.stderr)
        return 2
    notebooks = args.notebooks or sorted(HERE.glob("*.ipynb"))
    args.out.mkdir(parents=True, exist_ok=True)
    status = 0
    for path in notebooks:
        nb = nbformat.read(path, as_version=4)
        client = NotebookClient(nb, timeout=args.timeout, kernel_name="python3",
                                resources={"metadata": {"path": str(ROOT)}})
        start = time.time()
        out = args.out / path.name
        try:
            client.execute()
        except CellExecutionError as exc:
            status = 1
            print(f"run_notebooks: {path.name} failed after {time.time() - start:.0f} s:\n"
                  f"{exc}", file=sys.stderr)
        finally:
            nbformat.write(nb, out)
        if status == 0:
            print(f"executed {path.name} in {time.time() - start:.0f} s -> {out}")
    return status


if __name__ == "__main__":
    sys.exit(main())
