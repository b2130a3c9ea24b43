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
memory-encoding selected, the robustness sweep of issue 14 item 5 runs after the other
runs (:mod:`mgnet.experiments.memory_robustness`, one sweep per perturbation).
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

from .config import make_config

__all__ = ["JOBS", "VARIANTS", "NOISE_STREAM", "CULTURE_CONDITIONS", "job_names", "select_jobs", "reproduce", "plan",
           "cost_summary"]

#: The conditions of science.md §5, in report order (culture validation).
CULTURE_CONDITIONS = ("baseline", "elevated_mg", "elevated_mg_o_only", "elevated_mg_i_only",
                      "aged", "aged_elevated_mg")

#: (experiment, conditions, seeds) run by ``mgnet reproduce``.
JOBS: list[tuple[str, tuple[str, ...], tuple[int, ...]]] = [
    # The pre-registered plasticity tests that choose the default rule (numpy only).
    ("plasticity-presets", ("baseline",), (0,)),
    # Configuration targets T1-T9: median over 5 seeds (science.md T1), each seed at the
    # paper's sample size.
    ("bouton-assay", ("baseline", "elevated_mg"), (0, 1, 2, 3, 4)),
    ("mg-dose-response", ("baseline",), (0, 1, 2, 3, 4)),
    ("reconfiguration", ("baseline",), (0,)),
    ("plasticity-induction", ("baseline", "elevated_mg"), (0,)),
    ("synapse-check", ("baseline", "elevated_mg"), (0,)),
    # Culture validation (science.md §4 item 7, §5): >= 120 s; the calibrated baseline
    # at 5 seeds, every other condition on seed 0 (one build; a 2000-neuron run costs
    # ~3.3 CPU-minutes, and the paired Mg comparisons are the memory runs' 10 seeds);
    # the report's culture-band table is computed from these run files.
    ("culture-activity", CULTURE_CONDITIONS[:1], (0, 1, 2, 3, 4)),
    ("culture-activity", CULTURE_CONDITIONS[1:], (0,)),
    ("background-filtering", ("baseline",), (0,)),
    # Memory encoding (T10, T11; science.md §6): >= 10 paired seeds, every condition,
    # and the ablation in which the block acts on the membrane current but not on the
    # plasticity Ca2+ (issue 14); the protocol is the frozen one of calibrate-memory.
    ("memory-encoding", CULTURE_CONDITIONS + ("elevated_mg_membrane_block_only",),
     tuple(range(10))),
    # Capacity (science.md §6: largest P with median recall overlap > 0.1): P = 1, 2, 4
    # in one run file per condition and seed (one build per seed).
    ("memory-capacity", ("baseline", "elevated_mg"), (0, 1)),
    # Retention: the forgetting curve over one 60 s consolidation per run.
    ("memory-retention", ("baseline", "elevated_mg"), (0, 1)),
    # The positive control of the recall read-out (science.md §6, issue 14): a planted
    # assembly vs sham cues and unencoded assemblies, at baseline; its protocol was
    # chosen on seeds 1000-1004 (experiments/calibrate_planted.py), these are others.
    ("memory-planted", ("baseline",), (0, 1, 2, 3, 4)),
]
#: Brian2 stream seed of the noise-floor runs (any value no structure seed uses).
NOISE_STREAM = 7_777_777
#: Runs that differ from a :data:`JOBS` run *only in options*, as (experiment,
#: conditions, seeds, options): the noise floor of issue 14 item 6, the same baseline
#: runs on another release random stream, analysed as if they were two conditions
#: (analysis/memory_report.py ``noise_floor_section``).  Selected with their experiment.
VARIANTS: list = [
    ("memory-encoding", ("baseline",), (0, 1, 2, 3, 4), {"stream_seed": NOISE_STREAM}),
    # The chronic arm (science.md §6): the GluN2B fraction equilibrated to each
    # condition's background NMDA Ca2+ load (models/glun2b_chronic.toml).
    ("memory-encoding", CULTURE_CONDITIONS, tuple(range(10)), {"glun2b": "chronic"}),
    ("memory-planted", ("baseline",), (0, 1, 2, 3, 4), {"stream_seed": NOISE_STREAM}),
]
#: At ``--scale quick`` (tests, CI) every job runs its first seed only, and these
#: experiments only :data:`QUICK_CONDITIONS`: the same code path in minutes.
QUICK_TRIMMED = ("culture-activity", "memory-encoding", "memory-capacity",
                 "memory-retention", "memory-planted")
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
    wanted = {job[0] for job in select_jobs(only)}
    for exp, conditions, seeds, options in VARIANTS:
        if exp not in wanted:
            continue
        if scale == "quick":
            seeds = seeds[:1]
            if exp in QUICK_TRIMMED:
                conditions = tuple(c for c in conditions if c in QUICK_CONDITIONS)
        out += [make_config(exp, condition=c, seed=s, scale=scale, options=dict(options))
                for c in conditions for s in seeds]
    return out


#: Submission order: longest single tasks first, so that the workers finish together
#: (list scheduling).  Measured on the idle 2-core machine (2026-11-27, one task each):
#: background-filtering one task of 30 min (12 serial runs of the 2000-neuron culture),
#: culture-activity seed 0 (6 conditions) 14 min and seeds 1-4 2.5 min each,
#: memory-encoding 5.5 min per seed (6 conditions), memory-capacity 3.8 and
#: memory-retention 2.3 min per seed, the assays 0.5-2 min.  Experiments not listed
#: come after these, in :data:`JOBS` order.
LONGEST_FIRST = ("background-filtering", "culture-activity", "memory-encoding",
                 "memory-capacity", "memory-retention", "plasticity-induction")


def _ordered(configs: list) -> list:
    rank = {exp: k for k, exp in enumerate(LONGEST_FIRST)}
    return sorted(configs, key=lambda c: rank.get(c.experiment, len(rank)))


def cost_summary(manifest: dict) -> str:
    """CPU time per experiment from a sweep manifest (tasks run in this invocation or
    an earlier one), and the wall time it implies on this machine's cores when the
    machine is otherwise idle (total CPU / cores, the lower bound for perfect packing)."""
    import os
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
    from mgnet.analysis.report import make_figures, write_report
    from .sweep import run_configs

    results = Path(results)
    configs = _ordered(plan(scale, only))
    command = f"mgnet reproduce --scale {scale} --results {results}" + (
        f" --only {only if isinstance(only, str) else ','.join(only)}" if only else "")
    t0 = time.time()
    res = run_configs(configs, results, workers=workers, scheduler=scheduler,
                      progress=progress, name=f"reproduce_{scale}", command=command,
                      header={"scale": scale, "only": only}, desc="reproduce",
                      log=lambda msg: print(msg, file=sys.stderr, flush=True))
    c = res.counts
    print(f"runs: {c['done']} done, {c['skipped']} up to date, {c['failed']} failed of "
          f"{c['total']} in {time.time() - t0:.0f} s (manifest {res.manifest_path})",
          file=sys.stderr, flush=True)
    print(cost_summary(res.manifest), file=sys.stderr, flush=True)
    if res.failed:
        labels = [f"{t['experiment']} {t['condition']} seed {t['seed']}: {t['error']}"
                  for t in res.failed]
        raise RuntimeError(f"{len(labels)} run(s) failed: {'; '.join(labels)}")
    if any(job[0] == "memory-encoding" for job in select_jobs(only)):
        # Robustness (issue 14 item 5): +-20 % of uncertain parameters, one sweep each.
        from .memory_robustness import run_robustness
        for r in run_robustness(results, scale, workers, scheduler, progress):
            if r.failed:
                raise RuntimeError(f"robustness runs failed: {r.manifest_path}")
    t1 = time.time()
    figures = make_figures(results, scale)
    for f in figures:
        print(f"wrote {f}", file=sys.stderr)
    report = write_report(results, scale=scale)
    print(f"figures and report: {time.time() - t1:.0f} s; mgnet reproduce took "
          f"{time.time() - t0:.0f} s", file=sys.stderr, flush=True)
    return report
