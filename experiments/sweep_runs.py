"""The run files of a sweep: which runs are up to date, which files are set aside, and how
the runs to do are grouped into Dask tasks (:mod:`mgnet.experiments.sweep`)."""
from __future__ import annotations

import shutil
import time
from pathlib import Path

from mgnet.analysis.run_file import RunFileError, read_run

from . import registry
from .config import _dc_table
from .provenance import package_version
from .runner import default_run_path
from .sweep_task import _remove_orphans


def task_key(k: int, items, token: str) -> str:
    """Dask key of the ``k``-th task of a sweep: unique per task.

    Dask treats two submissions with one key as one computation, so the key carries the
    task's index: runs that differ only in options (reproduce's noise floor and chronic
    arm beside the plain run of the same experiment, condition and seed) must not share
    a key, or only one of them runs and the other is reported as failed.
    """
    cfg = items[0][1]
    return (f"mgnet-run-{k}-{cfg.experiment}-"
            f"{'+'.join(i[1].condition for i in items)}-seed{cfg.seed}-{token}")


def run_is_current(path: Path, cfg) -> bool:
    """True if ``path`` is a complete, valid run file of exactly ``cfg`` made by this
    mgnet version (the rule ``mgnet reproduce`` uses to reuse a run)."""
    try:
        attrs = read_run(path).attrs
    except (RunFileError, OSError):
        return False
    return (attrs.get("status") == "complete"
            and attrs.get("config_toml") == cfg.to_toml()
            and attrs.get("mgnet_version") == package_version("mgnet"))


def _move_aside(results: Path, out: Path, stamp: str) -> Path:
    """Move a stale file to ``runs/.superseded/<stamp>/...`` without overwriting."""
    runs = results / "runs"
    dest = runs / ".superseded" / stamp / out.relative_to(runs)
    dest.parent.mkdir(parents=True, exist_ok=True)
    n = 1
    while dest.exists():
        dest = dest.with_name(f"{out.stem}.{n}{out.suffix}")
        n += 1
    shutil.move(str(out), dest)
    return dest


def _groups(todo: list, key=None) -> list[list]:
    """The runs of each Dask task: lists of ``todo`` items ``(task, cfg, out)``.

    Runs of one experiment, seed, scale and options whose experiment has a
    ``run_group`` share one task (one network build, one compile, one ``run_args`` rerun
    per condition: design.md §5); every other run is its own task.  Runs that differ in
    options (reproduce's variants) never share a task; the chronic arm's conditions
    share their options but resolve to different GluN2B fractions (a run value), so they
    share one build like the acute conditions do.  ``key(cfg)``, if given, separates
    runs further: only runs with equal keys share a task (``mgnet reproduce`` keys the
    robustness runs by their config tag, so each perturbation gets its own build).
    """
    grouped: dict = {}
    singles = []
    for item in todo:
        cfg = item[1]
        if registry.get(cfg.experiment).run_group is not None:
            task = (cfg.experiment, cfg.seed, cfg.scale,
                    repr(sorted(_dc_table(cfg.options).items())),
                    key(cfg) if key is not None else None)
            grouped.setdefault(task, []).append(item)
        else:
            singles.append([item])
    return list(grouped.values()) + singles


def plan_runs(cfgs, results: Path, prev_tasks: dict, log=None) -> tuple[list, list]:
    """Decide per run (read only): reuse a current run file, or run.

    Returns the manifest's ``tasks`` (one per config; a reused run ``skipped``, with the
    time it took when it was run) and ``todo``, the items ``(task, cfg, out)`` to run.
    """
    tasks, todo = [], []
    for cfg in cfgs:
        out = default_run_path(results, cfg)
        task = {"experiment": cfg.experiment, "condition": cfg.condition, "seed": cfg.seed,
                "path": str(out.relative_to(results)), "status": "pending",
                "wall_s": None, "error": None, "host": None}
        if out.exists() and run_is_current(out, cfg):
            task["status"] = "skipped"
            if log:
                log(f"{cfg.experiment} {cfg.condition} seed {cfg.seed}: up to date ({out})")
            prev = prev_tasks.get((cfg.experiment, cfg.condition, cfg.seed), {})
            if prev.get("path") == task["path"] and prev.get("wall_s") is not None:
                # the time it took when it was run
                for key in ("wall_s", "cpu_s", "host", "group_size"):
                    if prev.get(key) is not None:
                        task[key] = prev[key]
        else:
            todo.append((task, cfg, out))
        tasks.append(task)
    return tasks, todo


def set_aside(tasks: list, todo: list, results: Path, log=None) -> None:
    """Stale files of the runs to do moved aside (never deleted); debris of a killed
    duplicate write next to a reused run removed.  Recorded in the tasks."""
    stamp = time.strftime("%Y%m%dT%H%M%S")
    todo_paths = {id(task) for task, *_ in todo}
    for task in tasks:
        out = results / task["path"]
        if id(task) in todo_paths and (out.exists() or out.is_symlink()):
            task["superseded"] = str(_move_aside(results, out, stamp)
                                     .relative_to(results))
            if log:
                log(f"{task['experiment']} {task['condition']} seed {task['seed']}: "
                    f"config changed, old file moved to {task['superseded']}")
        elif id(task) not in todo_paths:
            removed = _remove_orphans(out)  # leftovers of a killed duplicate write
            if removed:
                task["temp_removed"] = removed
