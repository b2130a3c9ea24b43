"""``mgnet sweep``: the (condition, seed) runs of one experiment, in parallel on Dask.

design.md §5 (scale-out): every task runs the configs this process resolved (one
(condition, seed), or the conditions of one seed that share a build) through the runner
(:mod:`mgnet.experiments.runner`), started by a Dask worker as its own subprocess
(``python -m mgnet.experiments.runner``, the configs' resolved TOML texts on stdin, with
``OMP_NUM_THREADS=1``), so Brian2's device state stays per process and each run uses one
thread.  By default the tasks run on a
``dask.distributed.LocalCluster`` with one single-threaded worker process per core;
``--scheduler ADDRESS`` sends them to an existing Dask scheduler instead (e.g. one
started by ``dask-jobqueue`` on SLURM, see ``docs/scaling.md``).

Each task writes its run files to the paths ``mgnet run`` would use
(``results/runs/<experiment>/<condition>_seed<N>_<scale>.h5``) through the atomic
run-file writer (temporary name, renamed when complete).  A sweep is resumable:

- a complete run file whose resolved config (``config_toml``) and ``mgnet_version``
  equal the current ones is reused (task status ``skipped``);
- any other file at that path (another config or version, or not a complete run file)
  is moved to ``results/runs/.superseded/<timestamp>/`` -- never deleted -- and the run
  is redone;
- temporary files ``.<name>.tmp-*`` left by a killed writer are never taken for a
  result and are removed before the run is redone.

A manifest ``results/sweeps/<name>.json`` (written atomically, rewritten after every
finished task) lists every task with its status (``pending``, ``done``, ``skipped``,
``failed``), run-file path, wall time and error, and the sweep's provenance (command,
git commit, mgnet version, creation time).

Run: ``mgnet sweep synapse-check --conditions baseline,elevated_mg --seeds 0-9``

Modules: the inputs in :mod:`mgnet.experiments.sweep_inputs`, the run files and the
grouping into tasks in :mod:`mgnet.experiments.sweep_runs`, the manifest in
:mod:`mgnet.experiments.sweep_manifest`, the task a worker runs in
:mod:`mgnet.experiments.sweep_task`; this module holds :func:`sweep`, the engine
:func:`run_configs` and the Dask client, and re-exports the names of the others.
"""
from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import re
import shlex
import sys
import time
from pathlib import Path

from .config import parse_sets
from .errors import OutputPathError
from .progress import progress_bar
from .runner import check_output_dir, resolve_configs
from .sweep_inputs import (
    _SEEDS_ALLOWED,
    SweepError,
    _check_workers,
    format_seeds,
    parse_conditions,
    parse_seeds,
)
from .sweep_manifest import (
    SweepResult,
    manifest_path,
    new_manifest,
    previous_state,
    save_manifest,
)
from .sweep_runs import _groups, plan_runs, run_is_current, set_aside, task_key

# The task function and the temporary-file rules, in a module of their own: a Dask worker
# imports only that (standard library) to run a task.
from .sweep_task import orphan_temp_files, run_task

__all__ = ["SweepError", "SweepResult", "parse_seeds", "parse_conditions", "format_seeds",
           "sweep", "run_configs", "run_task", "run_is_current", "orphan_temp_files",
           "manifest_path"]

_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
# How long a sweep waits to reach an existing scheduler before giving up.
_CONNECT_TIMEOUT = "30s"


# --------------------------------------------------------------------- sweep


def _resolve_configs(experiment, conditions, seeds, scale, config, sets=()):
    return resolve_configs(experiment, conditions, seeds, scale=scale, config=config,
                           sets=parse_sets(sets))


def _set_argv(sets) -> list[str]:
    return [arg for item in sets or () for arg in ("--set", item)]


def _command(experiment, conditions, seeds, scale, results, workers, scheduler, config,
             name, sets=()) -> str:
    argv = ["mgnet", "sweep", experiment, "--conditions", ",".join(conditions),
            "--seeds", format_seeds(seeds), "--scale", scale]
    if config is not None:
        argv += ["--config", str(config)]
    argv += _set_argv(sets)
    if scheduler:
        argv += ["--scheduler", scheduler]
    elif workers:
        argv += ["--workers", str(workers)]
    argv += ["--results", str(results), "--name", name]
    return shlex.join(argv)


#: Dask configuration of mgnet's local clusters: Dask's nannies start workers with
#: ``MALLOC_TRIM_THRESHOLD_=65536`` (``distributed.nanny.pre-spawn-environ``, for
#: long-lived Python workers); setting any glibc malloc threshold also fixes the mmap
#: threshold at 128 kB, so every larger numpy array of a run's analysis was mapped and
#: unmapped anew: a default memory-encoding run cost its worker about 1.5 M page faults
#: and 2.5 s of system time (3.2 M faults and 5.5 s for two runs of one build; 0.2 M
#: and 1.2 s without; 2026-12-07).  None unsets it (Dask's documented override).
WORKER_CONFIG = {"distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None}


@contextlib.contextmanager
def _dask_client(n_workers: int, scheduler: str | None):
    """A ``Client`` on an existing scheduler, or on a fresh ``LocalCluster`` of
    ``n_workers`` single-threaded worker processes (closed on exit)."""
    from dask.distributed import Client, LocalCluster
    if scheduler:
        try:
            client = Client(scheduler, timeout=_CONNECT_TIMEOUT)
        except (OSError, TimeoutError, ValueError, TypeError) as exc:
            first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise SweepError(f"cannot connect to the Dask scheduler '{scheduler}': "
                             f"{first}") from None
        try:
            yield client
        finally:
            client.close()
        return
    import dask
    with dask.config.set(WORKER_CONFIG):
        cluster = LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True,
                               dashboard_address=None, silence_logs=logging.ERROR)
    try:
        client = Client(cluster)
        try:
            yield client
        finally:
            client.close()
    finally:
        cluster.close()


def sweep(experiment: str, conditions, seeds, scale: str | None, results_dir, *,
          workers: int | None = None, scheduler: str | None = None, config=None,
          progress: bool = True, name: str | None = None, sets=()) -> SweepResult:
    """Run every (condition, seed) of ``experiment`` at ``scale`` on Dask.

    Parameters
    ----------
    experiment : str
        Registered experiment name (``mgnet list``).
    conditions : iterable of str
        Condition presets (duplicates are dropped).
    seeds : iterable of int or str
        Seeds, or a ``parse_seeds`` text such as ``"0-9"``.
    scale : {"quick", "default", "paper"} or None
        None takes the scale from ``config`` (else ``default``).
    results_dir : path
        Results directory; run files go to ``runs/<experiment>/`` and the manifest to
        ``sweeps/<name>.json``.  Must be shared by all workers.
    workers : int, optional
        Worker processes of the local cluster (default: ``os.cpu_count()``, at most one
        per task to run).  Not allowed together with ``scheduler``.
    scheduler : str, optional
        Address of an existing Dask scheduler (``tcp://host:8786``); its workers should
        have one thread each.
    config : path, optional
        TOML config file applied to every run (its condition/seed/scale are replaced
        by the sweep's).  Must be readable by the workers at the same path.
    progress : bool
        Show a progress bar on stderr (drawn only when stderr is a terminal).
    sets : list of str, optional
        ``--set SECTION.KEY=VALUE`` items applied to every run (over ``config``),
        validated like the config file; every task gets the same items.  The default
        manifest name gains ``_set-<hash of the items>``.
    name : str, optional
        Manifest name (default ``<experiment>_<scale>``, plus ``_<config stem>``).

    Returns
    -------
    SweepResult
        Manifest path and content; ``counts`` has ``done``, ``skipped``, ``failed``.

    Raises
    ------
    SweepError, mgnet.experiments.config.ConfigError
        On bad input, before anything is written or started.
    """
    # ---- validate everything before touching the disk or starting a cluster
    if isinstance(seeds, str):
        seeds = parse_seeds(seeds)
    seeds = list(dict.fromkeys(seeds))
    conditions = list(dict.fromkeys(conditions))
    if not conditions:
        raise SweepError("no condition given; allowed: a comma-separated list of "
                         "condition presets, e.g. baseline,elevated_mg")
    if not seeds:
        raise SweepError(f"no seed given; {_SEEDS_ALLOWED}")
    _check_workers(workers, scheduler)
    config = Path(config).resolve() if config is not None else None
    sets = list(sets or ())
    cfgs = _resolve_configs(experiment, conditions, seeds, scale, config, sets)
    scale = cfgs[0].scale
    if name is None:
        name = f"{experiment}_{scale}" + (f"_{config.stem}" if config is not None else "")
        if sets:
            # runs changed by --set have run-file names of their own: so has the manifest
            name += "_set-" + hashlib.sha1("\n".join(sorted(sets)).encode()).hexdigest()[:8]
    command = _command(experiment, conditions, seeds, scale, Path(results_dir).resolve(),
                       workers, scheduler, config, name, sets)
    header = {"experiment": experiment, "scale": scale, "conditions": conditions,
              "seeds": seeds, "config": str(config) if config is not None else None,
              **({"set": sets} if sets else {})}
    return run_configs(cfgs, results_dir, workers=workers, scheduler=scheduler,
                       progress=progress, name=name, command=command, header=header,
                       desc=f"sweep {experiment}")


def run_configs(cfgs, results_dir, *, workers: int | None = None,
                scheduler: str | None = None, progress: bool = True,
                name: str, command: str, header: dict | None = None,
                desc: str = "runs", log=None, group_key=None) -> SweepResult:
    """Run resolved configs (any experiments) on Dask, resumably, with a manifest.

    The engine of :func:`sweep` and ``mgnet reproduce``: a complete run file of the
    same config is reused, anything else at its path is moved aside, runs of one
    experiment and seed with a ``run_group`` share one task (:func:`_groups`), and
    ``results/sweeps/<name>.json`` records every run.  Tasks are submitted in the
    order of ``cfgs`` (put the longest first).  ``log(message)``, if given, hears which
    runs are up to date and which files were moved aside.  Each task runs exactly the
    configs of ``cfgs`` (their resolved texts, :func:`run_task`).  ``group_key(cfg)``,
    if given, keeps runs with different keys in different tasks (:func:`_groups`).
    """
    _check_workers(workers, scheduler)
    results, mpath = _output_paths(cfgs, results_dir, name)
    prev_tasks, history = previous_state(mpath)
    manifest = new_manifest(name, header, results, command, scheduler, history)
    # ---- decide per run (read only): reuse a current run file, or run
    tasks, todo = plan_runs(cfgs, results, prev_tasks, log)
    manifest["tasks"] = tasks
    groups = _groups(todo, group_key)

    def save():
        save_manifest(mpath, manifest)

    with contextlib.ExitStack() as stack:
        # Connect (or start the local cluster) before changing anything on disk, so
        # an unreachable scheduler leaves the results directory as it was.
        client = None
        if groups:
            n_local = min(workers or os.cpu_count() or 1, len(groups))
            client = stack.enter_context(_dask_client(n_local, scheduler))
            if not scheduler:
                manifest["provenance"]["scheduler"] = f"LocalCluster(n_workers={n_local})"
        # Only now touch the disk: stale files aside (never deleted), debris removed.
        set_aside(tasks, todo, results, log)
        save()
        bar = stack.enter_context(progress_bar(total=len(tasks),
                                               initial=len(tasks) - len(todo), desc=desc,
                                               unit="run", quiet=not progress))
        if client is not None:
            _run_groups(client, groups, tasks, bar, save)
    save()
    return SweepResult(mpath, manifest)


def _output_paths(cfgs, results_dir, name: str) -> tuple[Path, Path]:
    """The results directory and the manifest path of sweep ``name``, after checking the
    name and every directory the sweep writes to (before any cluster or simulation
    starts)."""
    if not _NAME_RE.match(name):
        raise SweepError(f"bad sweep name '{name}'; allowed: letters, digits, '.', '_' "
                         f"and '-', not starting with '.', '_' or '-'")
    results = Path(results_dir).resolve()
    mpath = manifest_path(results, name)
    # Every directory this writes to, checked before any cluster or simulation starts.
    try:
        for directory in dict.fromkeys([results, mpath.parent]
                                       + [results / "runs" / c.experiment for c in cfgs]):
            check_output_dir(directory, what="results")
    except OutputPathError as exc:
        raise SweepError(str(exc)) from None
    return results, mpath


def _run_groups(client, groups: list, tasks: list, bar, save) -> None:
    """Submit one Dask task per group (in order: earlier first) and record each result
    in its runs' manifest tasks as it completes (``save`` after every one)."""
    from dask.distributed import as_completed
    token = f"{os.getpid()}-{time.time_ns()}"
    futures = {}
    for k, items in enumerate(groups):
        key = task_key(k, items, token)
        texts = [i[1].to_toml() for i in items]
        outs = [str(i[2]) for i in items]
        # Earlier submissions first (Dask runs higher priority first).
        fut = client.submit(run_task, texts, outs, key=key, pure=False,
                            priority=len(groups) - k)
        futures[fut] = items
    for fut in as_completed(futures):
        items = futures.pop(fut)
        try:
            res = fut.result()
        except Exception as exc:  # noqa: BLE001 - e.g. a worker died repeatedly
            res = {"returncode": None, "wall_s": None, "host": None,
                   "error": f"{type(exc).__name__}: {exc}".splitlines()[0]}
        _record(items, res, bar)
        save()
        bar.update(len(items))
        bar.set_postfix(failed=sum(t["status"] == "failed" for t in tasks),
                        refresh=False)


def _record(items: list, res: dict, bar) -> None:
    """The result ``res`` of one Dask task in the manifest tasks of its runs: done if
    the run left a complete run file of its config, else failed (reported on stderr)."""
    for task, cfg, out in items:
        task["wall_s"] = res.get("wall_s")
        task["cpu_s"] = res.get("cpu_s")
        task["host"] = res.get("host")
        if len(items) > 1:
            task["group_size"] = len(items)  # wall_s, cpu_s: the group's
        if res.get("temp_removed"):
            task["temp_removed"] = res["temp_removed"]
        if run_is_current(out, cfg):
            task["status"] = "done"
        else:
            task["status"] = "failed"
            task["error"] = res.get("error") or (
                "the run exited 0 but left no complete run file of this "
                "config")
            bar.write(f"FAILED {cfg.experiment} {cfg.condition} seed "
                      f"{cfg.seed}: {task['error']}", file=sys.stderr)
