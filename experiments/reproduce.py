"""``mgnet reproduce``: run every experiment that exists, draw figures, write the report.

Runs are resumable: a complete run file whose resolved config equals the current one
is reused; one made from a different config (or mgnet version) is moved aside to
``results/runs/.superseded/`` (never overwritten, never deleted) and run again.
"""
from __future__ import annotations

import shutil
import sys
import time
from pathlib import Path

from .config import make_config

__all__ = ["JOBS", "reproduce", "plan"]

#: (experiment, conditions, seeds) run by ``mgnet reproduce``.
JOBS: list[tuple[str, tuple[str, ...], tuple[int, ...]]] = [
    ("synapse-check", ("baseline", "elevated_mg"), (0,)),
]


def plan(scale: str):
    """The resolved configs that ``reproduce`` runs at ``scale``."""
    return [make_config(exp, condition=c, seed=s, scale=scale)
            for exp, conditions, seeds in JOBS for c in conditions for s in seeds]


def _reusable(path: Path, cfg) -> bool:
    from analysis.run_file import RunFileError, read_run
    from .provenance import package_version
    try:
        attrs = read_run(path).attrs
    except RunFileError:
        return False
    return (attrs.get("config_toml") == cfg.to_toml()
            and attrs.get("mgnet_version") == package_version("mgnet"))


def reproduce(results: Path, scale: str = "default") -> Path:
    """Run all jobs at ``scale`` into ``results``; return the report path."""
    from analysis.report import make_figures, write_report
    from .cli import default_run_path, run_experiment

    results = Path(results)
    configs = plan(scale)
    t0 = time.time()
    for n, cfg in enumerate(configs, 1):
        out = default_run_path(results, cfg)
        label = f"[{n}/{len(configs)}] {cfg.experiment} {cfg.condition} seed {cfg.seed}"
        if out.exists():
            if _reusable(out, cfg):
                print(f"{label}: up to date ({out})", file=sys.stderr)
                continue
            stamp = time.strftime("%Y%m%dT%H%M%S")
            dest = results / "runs" / ".superseded" / stamp / out.relative_to(results / "runs")
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(str(out), dest)
            print(f"{label}: config changed, old file moved to {dest}", file=sys.stderr)
        print(f"{label}: running ...", file=sys.stderr, flush=True)
        run_experiment(cfg, out, quiet=True)
        print(f"{label}: wrote {out} ({time.time() - t0:.0f} s elapsed)", file=sys.stderr)
    figures = make_figures(results)
    for f in figures:
        print(f"wrote {f}", file=sys.stderr)
    return write_report(results, scale=scale)
