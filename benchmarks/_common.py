"""Small helpers shared by the benchmark scripts: result rows, JSON output, machine info.

Every benchmark script, run as ``__main__``, writes ``benchmarks/out/<name>.json``::

    {"benchmark": name,
     "rows": [{"what": str, "value": float, "reference": str, "ratio": float | None,
               "target": str, "pass": bool | None, "note": str}, ...],
     "machine": {...}, "created_utc": "YYYY-mm-ddTHH:MM:SSZ", "args": [...]}

``benchmarks/run_all.py`` collects these files into one table.
"""
from __future__ import annotations

import datetime as _dt
import json
import math
import os
import platform
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT_DIR = Path(__file__).resolve().parent / "out"


def checkout_cli(tree: str | os.PathLike, scratch: str | os.PathLike) -> tuple[str, str]:
    """(module, PYTHONPATH entry) that run the ``mgnet`` command line of the checkout
    ``tree`` without installing it: ``python -m MODULE`` with the entry first on
    ``PYTHONPATH``.

    Before issue 16 the packages were top level (``cli`` in ``experiments/``): the entry is the
    tree.  Since then they are ``mgnet.*`` through a package-dir mapping (``pyproject.toml``
    ``[tool.setuptools.package-dir]``): the entry is a directory under ``scratch`` with
    symbolic links laid out as the installed package."""
    tree = Path(tree).resolve()
    meta = tomllib.loads((tree / "pyproject.toml").read_text())
    module = meta["project"]["scripts"]["mgnet"].split(":")[0]
    mapping = meta.get("tool", {}).get("setuptools", {}).get("package-dir", {})
    if not mapping:
        return module, str(tree)
    root = Path(scratch) / f"pythonpath-{tree.name}"
    if root.exists():
        shutil.rmtree(root)
    for pkg, src in sorted(mapping.items(), key=lambda kv: kv[0].count(".")):
        dest = root.joinpath(*pkg.split("."))
        if "." not in pkg:
            dest.mkdir(parents=True, exist_ok=True)
            for entry in (tree / src).iterdir():
                (dest / entry.name).symlink_to(entry.resolve(), entry.is_dir())
        else:
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.symlink_to((tree / src).resolve(), target_is_directory=True)
    return module, str(root)


def row(what: str, value: float, *, reference: str = "", ratio: float | None = None,
        target: str = "", passed: bool | None = None, note: str = "") -> dict:
    """One result row; ``passed`` is None for information-only rows."""
    def num(x):
        if x is None:
            return None
        x = float(x)
        return x if math.isfinite(x) else None
    return {"what": what, "value": num(value), "reference": reference, "ratio": num(ratio),
            "target": target, "pass": None if passed is None else bool(passed),
            "note": note}


def _git_commit() -> str:
    try:
        out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                             capture_output=True, text=True, timeout=10)
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"],
                               cwd=ROOT, capture_output=True, text=True, timeout=10)
        return out.stdout.strip() + ("-dirty" if dirty.stdout.strip() else "")
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _mem_total_gb() -> float | None:
    try:
        with open("/proc/meminfo") as fh:
            for line in fh:
                if line.startswith("MemTotal:"):
                    return round(int(line.split()[1]) / 1024 ** 2, 1)
    except OSError:
        pass
    return None


def machine_info() -> dict:
    """Where and with what the numbers were measured."""
    info = {"platform": platform.platform(), "cpu": _cpu_model(), "cores": os.cpu_count(),
            "mem_total_gb": _mem_total_gb(), "python": platform.python_version(),
            "omp_num_threads": os.environ.get("OMP_NUM_THREADS"),
            "load_average_1min": round(os.getloadavg()[0], 2), "git_commit": _git_commit()}
    for mod in ("brian2", "numpy", "Cython"):
        try:
            info[mod] = __import__(mod).__version__
        except ImportError:
            info[mod] = None
    return info


def utc_now() -> str:
    return _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def write_json(name: str, rows: list[dict], extra: dict | None = None) -> Path:
    """Write ``benchmarks/out/<name>.json`` atomically and return its path."""
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    doc = {"benchmark": name, "rows": rows, "machine": machine_info(),
           "created_utc": utc_now(), "args": sys.argv[1:]}
    if extra:
        doc.update(extra)
    path = OUT_DIR / f"{name}.json"
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    tmp.write_text(json.dumps(doc, indent=1) + "\n")
    os.replace(tmp, path)
    print(f"wrote {path}")
    return path


def rss_mb(kb: float) -> float:
    """``ru_maxrss`` (KiB on Linux) in MiB."""
    return kb / 1024.0
