"""``mgnet reproduce``: run every experiment that exists, draw figures, write the report.

Runs are resumable: a complete run file whose resolved config equals the current one
is reused; one made from a different config (or mgnet version) is moved aside to
``results/runs/.superseded/`` (never overwritten, never deleted) and run again.
"""
from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path

from .config import make_config

__all__ = ["JOBS", "reproduce", "plan"]

#: (experiment, conditions, seeds) run by ``mgnet reproduce``.
JOBS: list[tuple[str, tuple[str, ...], tuple[int, ...]]] = [
    ("bouton-assay", ("baseline", "elevated_mg"), (0,)),
    ("mg-dose-response", ("baseline",), (0,)),
    ("reconfiguration", ("baseline",), (0,)),
    ("plasticity-induction", ("baseline", "elevated_mg"), (0,)),
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


def _run_subprocess(cfg, out: Path) -> subprocess.Popen:
    """Each run in its own process: Brian2's device state stays per process and two
    runs use the two cores."""
    cmd = [sys.executable, "-m", "experiments.cli", "run", cfg.experiment,
           "--condition", cfg.condition, "--seed", str(cfg.seed), "--scale", cfg.scale,
           "--out", str(out), "--quiet"]
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def reproduce(results: Path, scale: str = "default", workers: int = 2) -> Path:
    """Run all jobs at ``scale`` into ``results``; return the report path.

    Runs that are up to date are skipped; the others run in ``workers`` parallel
    processes (one Brian2 thread each).
    """
    from analysis.report import make_figures, write_report
    from .cli import default_run_path

    results = Path(results)
    configs = plan(scale)
    t0 = time.time()
    todo = []
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
        todo.append((label, cfg, out))
    running: list = []
    failed = []
    while todo or running:
        while todo and len(running) < max(1, workers):
            label, cfg, out = todo.pop(0)
            print(f"{label}: running ...", file=sys.stderr, flush=True)
            running.append((label, out, _run_subprocess(cfg, out)))
        time.sleep(0.5)
        for item in list(running):
            label, out, proc = item
            if proc.poll() is None:
                continue
            running.remove(item)
            _, err = proc.communicate()
            if proc.returncode == 0:
                print(f"{label}: wrote {out} ({time.time() - t0:.0f} s elapsed)",
                      file=sys.stderr, flush=True)
            else:
                failed.append(label)
                print(f"{label}: FAILED (exit {proc.returncode}): "
                      f"{err.strip().splitlines()[-1] if err.strip() else ''}",
                      file=sys.stderr, flush=True)
    if failed:
        raise RuntimeError(f"{len(failed)} run(s) failed: {', '.join(failed)}")
    figures = make_figures(results, scale)
    for f in figures:
        print(f"wrote {f}", file=sys.stderr)
    return write_report(results, scale=scale)
