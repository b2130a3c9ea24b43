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
"""
from __future__ import annotations

import contextlib
import datetime as _dt
import hashlib
import json
import logging
import os
import re
import shlex
import shutil
import socket
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from mgnet.analysis.run_file import RunFileError, read_run

from . import registry
from .config import _dc_table, parse_sets
from .errors import OutputPathError
from .progress import progress_bar
from .provenance import git_state, package_version
from .runner import check_output_dir, default_run_path, resolve_configs
# The task function and the temporary-file rules, in a module of their own: a Dask worker
# imports only that (standard library) to run a task.
from .sweep_task import _TMP_MARKER, _remove_orphans, orphan_temp_files, run_task

__all__ = ["SweepError", "SweepResult", "parse_seeds", "parse_conditions", "format_seeds",
           "sweep", "run_configs", "run_task", "run_is_current", "orphan_temp_files",
           "manifest_path"]

MANIFEST_VERSION = 1
_SEED_MAX = 2 ** 31 - 1
_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
_SEEDS_ALLOWED = ("allowed: N, A-B with 0 <= A <= B, or a comma-separated list of "
                  "these, e.g. 0-9 or 0,2,5")
# How long a sweep waits to reach an existing scheduler before giving up.
_CONNECT_TIMEOUT = "30s"


class SweepError(ValueError):
    """Bad sweep input (seeds, conditions, workers, scheduler, name): exit status 2."""


# ------------------------------------------------------------------------ parsing


def parse_seeds(text: str) -> list[int]:
    """Seeds from ``"3"``, ``"0-9"`` (inclusive) or ``"0,2,5"`` (items may be ranges).

    Returns the seeds in the given order without duplicates.

    Raises
    ------
    SweepError
        On an empty item, a non-integer, a negative seed, a seed >= 2^31 or a
        descending range.
    """
    seeds: list[int] = []
    items = str(text).split(",")
    for item in items:
        item = item.strip()
        m = re.fullmatch(r"(\d+)(?:\s*-\s*(\d+))?", item)
        if not m:
            raise SweepError(f"bad --seeds '{text}': '{item}' is not a seed or range; "
                             f"{_SEEDS_ALLOWED}")
        lo = int(m.group(1))
        hi = int(m.group(2)) if m.group(2) is not None else lo
        if hi < lo:
            raise SweepError(f"bad --seeds '{text}': range '{item}' is descending; "
                             f"{_SEEDS_ALLOWED}")
        if hi > _SEED_MAX:
            raise SweepError(f"bad --seeds '{text}': seed {hi} is above 2^31-1; "
                             f"{_SEEDS_ALLOWED}")
        seeds.extend(range(lo, hi + 1))
    return list(dict.fromkeys(seeds))


def format_seeds(seeds) -> str:
    """The shortest ``parse_seeds`` text for a list of seeds (runs become ``A-B``)."""
    parts: list[str] = []
    seeds = list(seeds)
    i = 0
    while i < len(seeds):
        j = i
        while j + 1 < len(seeds) and seeds[j + 1] == seeds[j] + 1:
            j += 1
        parts.append(str(seeds[i]) if j == i else f"{seeds[i]}-{seeds[j]}")
        i = j + 1
    return ",".join(parts)


def parse_conditions(text: str) -> list[str]:
    """Condition names from ``"A,B"`` (order kept, duplicates dropped).

    Names are checked against the presets when the configs are resolved.
    """
    names = [c.strip() for c in str(text).split(",")]
    if not names or any(not c for c in names):
        raise SweepError(f"bad --conditions '{text}': empty condition name; allowed: a "
                         f"comma-separated list of condition presets, e.g. "
                         f"baseline,elevated_mg")
    return list(dict.fromkeys(names))


# ------------------------------------------------------------------- run files


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


# ------------------------------------------------------------------ the task


def _groups(todo: list) -> list[list]:
    """The runs of each Dask task: lists of ``todo`` items ``(task, cfg, out)``.

    Runs of one experiment, seed, scale and options whose experiment has a
    ``run_group`` share one task (one network build, one compile, one ``run_args`` rerun
    per condition: design.md §5); every other run is its own task.  Runs that differ in
    options (reproduce's variants) never share a task; the chronic arm's conditions
    share their options but resolve to different GluN2B fractions (a run value), so they
    share one build like the acute conditions do.
    """
    grouped: dict = {}
    singles = []
    for item in todo:
        cfg = item[1]
        if registry.get(cfg.experiment).run_group is not None:
            key = (cfg.experiment, cfg.seed, cfg.scale,
                   repr(sorted(_dc_table(cfg.options).items())))
            grouped.setdefault(key, []).append(item)
        else:
            singles.append([item])
    return list(grouped.values()) + singles


# ------------------------------------------------------------------ manifest


def manifest_path(results_dir, name: str) -> Path:
    """``<results>/sweeps/<name>.json``."""
    return Path(results_dir) / "sweeps" / f"{name}.json"


def _now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")


def _write_json_atomic(path: Path, data: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}{_TMP_MARKER}{os.getpid()}")
    try:
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(data, f, indent=1)
            f.write("\n")
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _read_manifest(path: Path) -> dict | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


@dataclass
class SweepResult:
    """What :func:`sweep` did: the manifest (as written) and where it is."""
    manifest_path: Path
    manifest: dict = field(repr=False)

    @property
    def counts(self) -> dict:
        return dict(self.manifest["summary"])

    @property
    def failed(self) -> list[dict]:
        return [t for t in self.manifest["tasks"] if t["status"] == "failed"]


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


def _check_workers(workers, scheduler) -> None:
    if workers is not None and scheduler:
        raise SweepError("--workers and --scheduler exclude each other (the scheduler's "
                         "workers run the tasks)")
    if workers is not None and (isinstance(workers, bool) or not isinstance(workers, int)
                                or workers < 1):
        raise SweepError(f"--workers must be an integer >= 1, got '{workers}'")


def run_configs(cfgs, results_dir, *, workers: int | None = None,
                scheduler: str | None = None, progress: bool = True,
                name: str, command: str, header: dict | None = None,
                desc: str = "runs", log=None) -> SweepResult:
    """Run resolved configs (any experiments) on Dask, resumably, with a manifest.

    The engine of :func:`sweep` and ``mgnet reproduce``: a complete run file of the
    same config is reused, anything else at its path is moved aside, runs of one
    experiment and seed with a ``run_group`` share one task (:func:`_groups`), and
    ``results/sweeps/<name>.json`` records every run.  Tasks are submitted in the
    order of ``cfgs`` (put the longest first).  ``log(message)``, if given, hears which
    runs are up to date and which files were moved aside.  Each task runs exactly the
    configs of ``cfgs`` (their resolved texts, :func:`run_task`).
    """
    _check_workers(workers, scheduler)
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
    previous = _read_manifest(mpath)
    prev_tasks, history = {}, []
    if previous:
        prev_tasks = {(t.get("experiment", previous.get("experiment")), t.get("condition"),
                       t.get("seed")): t
                      for t in previous.get("tasks", []) if isinstance(t, dict)}
        history = [h for h in previous.get("previous_invocations", []) if isinstance(h, dict)]
        if isinstance(previous.get("provenance"), dict):
            history.append(previous["provenance"])
    commit, dirty = git_state()
    manifest = {
        "manifest_version": MANIFEST_VERSION,
        "name": name,
        **(header or {}),
        "results_dir": str(results),
        "provenance": {
            "command": command,
            "git_commit": commit,
            "git_dirty": dirty,
            "mgnet_version": package_version("mgnet"),
            "dask_version": package_version("dask"),
            "python": sys.executable,
            "host": socket.gethostname(),
            "created_utc": _now(),
            "scheduler": scheduler or "LocalCluster",
        },
        # Earlier invocations of the same sweep (e.g. the one that was killed).
        "previous_invocations": history,
        "updated_utc": None,
        "complete": False,
        "summary": {},
        "tasks": [],
    }

    # ---- decide per run (read only): reuse a current run file, or run
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
    manifest["tasks"] = tasks
    groups = _groups(todo)

    def save():
        counts = {s: sum(t["status"] == s for t in tasks)
                  for s in ("done", "skipped", "failed", "pending")}
        manifest["summary"] = dict(total=len(tasks), **counts)
        manifest["complete"] = counts["done"] + counts["skipped"] == len(tasks)
        manifest["updated_utc"] = _now()
        _write_json_atomic(mpath, manifest)

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
        save()
        bar = stack.enter_context(progress_bar(total=len(tasks),
                                               initial=len(tasks) - len(todo), desc=desc,
                                               unit="run", quiet=not progress))
        if client is not None:
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
                save()
                bar.update(len(items))
                bar.set_postfix(failed=sum(t["status"] == "failed" for t in tasks),
                                refresh=False)
    save()
    return SweepResult(mpath, manifest)
