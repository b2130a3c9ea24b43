"""``mgnet reproduce``: run every experiment that exists, draw figures, write the report.

Runs are resumable: a complete run file whose resolved config equals the current one
is reused; one made from a different config (or mgnet version) is moved aside to
``results/runs/.superseded/`` (never overwritten, never deleted) and run again.
``mgnet reproduce --only culture-activity[,EXP...]`` restricts the runs to those
experiments (e.g. the culture validation: six conditions x seeds 0-4 at default scale);
figures and the report are still drawn from every run file present.
"""
from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path

from .config import make_config

__all__ = ["JOBS", "CULTURE_CONDITIONS", "job_names", "select_jobs", "reproduce", "plan"]

#: The conditions of science.md §5, in report order (culture validation).
CULTURE_CONDITIONS = ("baseline", "elevated_mg", "elevated_mg_o_only", "elevated_mg_i_only",
                      "aged", "aged_elevated_mg")

#: (experiment, conditions, seeds) run by ``mgnet reproduce``.
JOBS: list[tuple[str, tuple[str, ...], tuple[int, ...]]] = [
    ("bouton-assay", ("baseline", "elevated_mg"), (0,)),
    ("mg-dose-response", ("baseline",), (0,)),
    ("reconfiguration", ("baseline",), (0,)),
    ("plasticity-induction", ("baseline", "elevated_mg"), (0,)),
    ("synapse-check", ("baseline", "elevated_mg"), (0,)),
    # Culture validation (science.md §4 item 7, §5): >= 120 s; the calibrated baseline
    # at 5 seeds, every other condition at 2 (a 2000-neuron run costs ~4 CPU-minutes);
    # the report's culture-band table is computed from these run files.
    ("culture-activity", CULTURE_CONDITIONS[:1], (0, 1, 2, 3, 4)),
    ("culture-activity", CULTURE_CONDITIONS[1:], (0, 1)),
    ("background-filtering", ("baseline",), (0,)),
    # Memory encoding (T10, T11; science.md §6): >= 10 paired seeds, every condition.
    ("memory-encoding", CULTURE_CONDITIONS, tuple(range(10))),
]
#: At ``--scale quick`` (tests, CI) every job runs its first seed only, and these
#: experiments only :data:`QUICK_CONDITIONS`: the same code path in minutes.
QUICK_TRIMMED = ("culture-activity", "memory-encoding")
QUICK_CONDITIONS = ("baseline", "elevated_mg")


def job_names() -> list[str]:
    """Experiment names in :data:`JOBS`, in order (the values ``--only`` accepts)."""
    return list(dict.fromkeys(exp for exp, _, _ in JOBS))


def select_jobs(only=None) -> list[tuple[str, tuple[str, ...], tuple[int, ...]]]:
    """The :data:`JOBS` entries of the experiments named in ``only`` (all if None).

    ``only`` is an iterable of names or one comma-separated string.

    Raises
    ------
    ValueError
        If a name is not an experiment of :data:`JOBS` (the message lists the allowed
        names) or if ``only`` names nothing.
    """
    if only is None:
        return list(JOBS)
    if isinstance(only, str):
        only = only.split(",")
    wanted = [n.strip() for n in only if n.strip()]
    allowed = job_names()
    unknown = [n for n in wanted if n not in allowed]
    if unknown or not wanted:
        what = (f"unknown experiment '{unknown[0]}'" if unknown else "no experiment given")
        raise ValueError(f"{what} for --only; allowed: {', '.join(allowed)}")
    return [job for job in JOBS if job[0] in wanted]


def plan(scale: str, only=None):
    """The resolved configs that ``reproduce`` runs at ``scale`` (restricted to the
    experiments in ``only``, see :func:`select_jobs`)."""
    out = []
    for exp, conditions, seeds in select_jobs(only):
        if scale == "quick":
            seeds = seeds[:1]
            if exp in QUICK_TRIMMED:
                conditions = tuple(c for c in conditions if c in QUICK_CONDITIONS)
        out += [make_config(exp, condition=c, seed=s, scale=scale)
                for c in conditions for s in seeds]
    return out


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


def reproduce(results: Path, scale: str = "default", workers: int = 2,
              only=None) -> Path:
    """Run all jobs (or those of the experiments in ``only``) at ``scale`` into
    ``results``; return the report path.

    Runs that are up to date are skipped; the others run in ``workers`` parallel
    processes (one Brian2 thread each).  Figures and the report are drawn from every
    run file at ``scale`` under ``results``, not only from the selected jobs.
    """
    from analysis.report import make_figures, write_report
    from .cli import default_run_path

    results = Path(results)
    configs = plan(scale, only)
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
