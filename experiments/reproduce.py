"""``mgnet reproduce``: run every experiment that exists, draw figures, write the report.

The runs go through the sweep engine (:func:`mgnet.experiments.sweep.run_configs`, design.md
§5): a Dask ``LocalCluster`` with one single-threaded worker per core; the runs of one
experiment and seed share one task when the experiment can rerun a built network for
several conditions (compile once, ``run_args`` per condition); the longest tasks are
submitted first; the manifest ``results/sweeps/reproduce_<scale>.json`` records every
run with its wall time.  Runs are resumable: a complete run file whose resolved config
equals the current one is reused; one made from a different config (or mgnet version)
is moved aside to ``results/runs/.superseded/`` (never overwritten, never deleted) and
run again.
``mgnet reproduce --only culture-activity[,EXP...]`` restricts the runs to those
experiments (e.g. the culture validation: baseline at seeds 0-4, the other five
conditions at seed 0);
figures and the report are still drawn from every run file present.  With
memory-encoding selected, the runs of the robustness sweep of issue 14 item 5
(:mod:`mgnet.experiments.memory_robustness`: each perturbation and seed one task) are
submitted with the others, after them, so that both cores stay busy to the end.
"""
from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from . import registry
from .config import make_config
from .experiment import CULTURE_CONDITIONS, NOISE_STREAM, QUICK_CONDITIONS
from .sweep import run_configs

# JOBS and VARIANTS are module attributes computed on first use (__getattr__ below)
__all__ = ["JOBS", "VARIANTS",  # noqa: F822
           "NOISE_STREAM", "CULTURE_CONDITIONS", "QUICK_CONDITIONS",
           "jobs", "variants", "job_names", "select_jobs", "reproduce", "plan",
           "robustness_configs", "cost_summary"]


def jobs() -> list[tuple[str, tuple[str, ...], tuple[int, ...]]]:
    """(experiment, conditions, seeds) of every plain :class:`~mgnet.experiments.
    experiment.Runs` an experiment declares (its ``EXPERIMENT.reproduce``), experiments
    in registry order."""
    return [(exp.name, tuple(r.conditions), tuple(r.seeds))
            for exp in registry.experiments() for r in exp.reproduce if not r.options]


def variants() -> list[tuple[str, tuple[str, ...], tuple[int, ...], dict]]:
    """(experiment, conditions, seeds, options) of the declared runs that differ from a
    plain run *only in options* (the noise floor, the chronic arm)."""
    return [(exp.name, tuple(r.conditions), tuple(r.seeds), dict(r.options))
            for exp in registry.experiments() for r in exp.reproduce if r.options]


def __getattr__(name):
    # JOBS and VARIANTS as module attributes, computed on first use (discovering them
    # imports every experiment module).
    if name == "JOBS":
        return jobs()
    if name == "VARIANTS":
        return variants()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def job_names() -> list[str]:
    """Names of the experiments ``mgnet reproduce`` runs (the values ``--only``
    accepts), in registry order."""
    return [exp.name for exp in registry.experiments() if exp.reproduce]


def select_jobs(only=None) -> list[tuple[str, tuple[str, ...], tuple[int, ...]]]:
    """The :func:`jobs` entries of the experiments named in ``only`` (all if None).

    ``only`` is an iterable of names or one comma-separated string.

    Raises
    ------
    ValueError
        If a name is not an experiment that ``mgnet reproduce`` runs (the message lists
        the allowed names) or if ``only`` names nothing.
    """
    return [job for job in jobs() if job[0] in _wanted(only)]


def _wanted(only) -> set[str]:
    allowed = job_names()
    if only is None:
        return set(allowed)
    if isinstance(only, str):
        only = only.split(",")
    wanted = [n.strip() for n in only if n.strip()]
    unknown = [n for n in wanted if n not in allowed]
    if unknown or not wanted:
        what = (f"unknown experiment '{unknown[0]}'" if unknown else "no experiment given")
        raise ValueError(f"{what} for --only; allowed: {', '.join(allowed)}")
    return set(wanted)


def plan(scale: str, only=None):
    """The resolved configs that ``reproduce`` runs at ``scale`` (restricted to the
    experiments in ``only``, see :func:`select_jobs`): every plain run, then every
    variant; at ``quick`` the first seed of each, and only :data:`QUICK_CONDITIONS` of
    the experiments declared with ``quick_trim``."""
    wanted = _wanted(only)
    selected = [exp for exp in registry.experiments() if exp.name in wanted]
    out = []
    for with_options in (False, True):
        for exp in selected:
            for runs in exp.reproduce:
                if bool(runs.options) != with_options:
                    continue
                conditions, seeds = exp.runs_at(runs, scale)
                out += [make_config(exp.name, condition=c, seed=s, scale=scale,
                                    options=dict(runs.options) or None)
                        for c in conditions for s in seeds]
    return out


def _ordered(configs: list) -> list:
    """Submission order: heavier tasks first (each experiment's declared
    ``task_minutes``, list scheduling), so that the workers finish together; ties keep
    the plan's order."""
    weight = {exp.name: exp.task_minutes for exp in registry.experiments()}
    return sorted(configs, key=lambda c: -weight.get(c.experiment, 0.0))


def robustness_configs(scale: str, only=None) -> list:
    """The robustness runs of issue 14 item 5 (:func:`mgnet.experiments.memory_robustness.
    configs`) when memory-encoding is among the experiments run, else []."""
    if "memory-encoding" not in _wanted(only):
        return []
    from .memory_robustness import configs
    return configs(scale)


def _group_key(robust: list):
    """``run_configs``' group key: a robustness run's config tag (one task per
    perturbation and seed), "" for every other run (grouped as usual)."""
    from .memory_robustness import group_key
    ids = {id(c) for c in robust}
    return lambda cfg: group_key(cfg) if id(cfg) in ids else ""


def cost_summary(manifest: dict) -> str:
    """CPU time per experiment from a sweep manifest (tasks run in this invocation or
    an earlier one), and the wall time it implies on this machine's cores when the
    machine is otherwise idle (total CPU / cores, the lower bound for perfect packing)."""
    per: dict = {}
    seen = set()
    for t in manifest.get("tasks", []):
        if t.get("cpu_s") is None:
            continue
        # A group's cpu_s is the whole group's: count it once.
        key = (t.get("experiment"), t.get("seed"), t.get("cpu_s"), t.get("group_size"))
        if t.get("group_size") and key in seen:
            continue
        seen.add(key)
        per[t.get("experiment")] = per.get(t.get("experiment"), 0.0) + float(t["cpu_s"])
    if not per:
        return "CPU time: not recorded"
    total = sum(per.values())
    cores = os.cpu_count() or 1
    rows = ", ".join(f"{exp} {cpu / 60:.1f}" for exp, cpu in
                     sorted(per.items(), key=lambda kv: -kv[1]))
    return (f"CPU time {total / 60:.1f} min ({rows}); on {cores} idle cores at least "
            f"{total / cores / 60:.1f} min of wall time")


def reproduce(results: Path, scale: str = "default", workers: int | None = None,
              only=None, scheduler: str | None = None, progress: bool = True) -> Path:
    """Run all jobs (or those of the experiments in ``only``) at ``scale`` into
    ``results``; return the report path.

    Runs that are up to date are skipped; the others run on Dask (``workers`` local
    single-threaded processes, default one per core, or an existing ``scheduler``).
    Figures and the report are drawn from every run file at ``scale`` under
    ``results``, not only from the selected jobs.
    """
    # figures and report: matplotlib and every report module, loaded only when drawn
    from mgnet.analysis.report import figures_and_report

    results = Path(results)
    configs = _ordered(plan(scale, only))
    robust = robustness_configs(scale, only)
    command = f"mgnet reproduce --scale {scale} --results {results}" + (
        f" --only {only if isinstance(only, str) else ','.join(only)}" if only else "")
    t0 = time.time()
    res = run_configs(configs + robust, results, workers=workers, scheduler=scheduler,
                      progress=progress, name=f"reproduce_{scale}", command=command,
                      header={"scale": scale, "only": only}, desc="reproduce",
                      log=lambda msg: print(msg, file=sys.stderr, flush=True),
                      group_key=_group_key(robust))
    c = res.counts
    print(f"runs: {c['done']} done, {c['skipped']} up to date, {c['failed']} failed of "
          f"{c['total']} in {time.time() - t0:.0f} s (manifest {res.manifest_path})",
          file=sys.stderr, flush=True)
    print(cost_summary(res.manifest), file=sys.stderr, flush=True)
    if res.failed:
        labels = [f"{t['experiment']} {t['condition']} seed {t['seed']}: {t['error']}"
                  for t in res.failed]
        raise RuntimeError(f"{len(labels)} run(s) failed: {'; '.join(labels)}")
    t1 = time.time()
    # each study's figures and report sections in one task, the studies in parallel
    figures, report = figures_and_report(results, scale=scale)
    for f in figures:
        print(f"wrote {f}", file=sys.stderr)
    print(f"figures and report: {time.time() - t1:.0f} s; mgnet reproduce took "
          f"{time.time() - t0:.0f} s", file=sys.stderr, flush=True)
    return report
