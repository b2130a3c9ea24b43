"""Compile-once standalone projects: one directory per network structure
(``<cache_dir>/<family>-<key>``, :func:`default_cache_dir`, :func:`project_key`) under a
file lock (:func:`project_lock`: exclusive while it is built, shared while it runs),
warm-started from a sibling (:func:`warm_start_project`), compiled by
:func:`build_standalone`; each rerun writes its own results directory
(:func:`rerun_results_directory`).  Part of :mod:`mgnet.models.backend`."""
from __future__ import annotations

import os
import shutil
from contextlib import contextmanager
from pathlib import Path

import numpy as np

__all__ = ["project_lock", "rerun_results_directory", "remove_rerun_results",
           "warm_start_project", "build_standalone", "canonical_main_queue",
           "default_cache_dir", "project_key"]


@contextmanager
def project_lock(directory, exclusive: bool):
    """File lock on a standalone project directory (created if missing).

    Exclusive while a process writes and compiles the project, shared while processes
    run the compiled binary, so that a run never sees a half-built project.
    """
    import fcntl
    d = Path(directory)
    d.mkdir(parents=True, exist_ok=True)
    with open(d / ".lock", "a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def rerun_results_directory(k: int) -> str:
    """Results directory (relative to the project) of the ``k``-th rerun of a compiled
    standalone project by this process: one per process and rerun, so that processes
    sharing a project never read each other's results."""
    return f"results_{os.getpid()}_{k}"


def remove_rerun_results(directory, ks) -> None:
    """Delete the results directories of this process's reruns ``ks`` of the project in
    ``directory`` (their data has been read)."""
    for k in ks:
        shutil.rmtree(os.path.join(directory, rerun_results_directory(k)),
                      ignore_errors=True)


#: Not copied by :func:`warm_start_project`: data and results of the sibling.
_WARM_IGNORE = ("static_arrays", "results*", ".lock", "*.lock")


def warm_start_project(directory) -> Path | None:
    """Seed an unbuilt project directory with the sources and objects of a sibling.

    Projects of one family are named ``<family>-<key>`` side by side (e.g. the cultures
    ``culture-<structure key>``); projects that differ only in the structure seed share
    all generated code except the few files with array sizes (``objects.cpp``,
    ``main.cpp``, the synapse-creation code objects).  Brian2's standalone writer leaves
    a file whose content is unchanged untouched, and ``make`` rebuilds only the objects
    whose sources are newer, so a copy of the most recently built sibling (modification
    times preserved) recompiles only those files (measured: 20 instead of 47 CPU-seconds
    for a 300-neuron culture); correctness rests on ``make``'s time stamps exactly as for
    an incremental rebuild of one project.

    Does nothing (returns None) if ``directory`` already holds a build, or no sibling
    with a linked ``main`` exists.  The sibling is copied under its shared lock (never
    while it is being compiled); call this under the exclusive lock of ``directory``.
    """
    d = Path(directory)
    if (d / "main").exists() or "-" not in d.name:
        return None
    family = d.name.rsplit("-", 1)[0]
    siblings = [p for p in d.parent.glob(f"{family}-*")
                if p != d and p.is_dir() and (p / "main").exists()]
    if not siblings:
        return None
    src = max(siblings, key=lambda p: (p / "main").stat().st_mtime)
    with project_lock(src, exclusive=False):
        if not (src / "main").exists():
            return None
        for item in src.iterdir():
            if any(item.match(pat) for pat in _WARM_IGNORE):
                continue
            dest = d / item.name
            if item.is_dir():
                shutil.copytree(item, dest, dirs_exist_ok=True,
                                ignore=shutil.ignore_patterns(*_WARM_IGNORE))
            else:
                shutil.copy2(item, dest)
    return src


def build_standalone(directory, *, warm_start: bool = True) -> dict:
    """Compile the network defined on the active cpp_standalone device into ``directory``.

    Takes the exclusive :func:`project_lock`, warm-starts an unbuilt directory from a
    sibling (:func:`warm_start_project`), puts the device's statements in an order of
    their own (:func:`canonical_main_queue`) and calls ``device.build(run=False)``; an
    up-to-date project recompiles nothing.  Returns ``{"compile_s": wall seconds,
    "warm_start": sibling name or None}``.
    """
    import time

    from brian2 import get_device

    from .code_objects import network_source
    t0 = time.time()
    with project_lock(directory, exclusive=True):
        src = warm_start_project(directory) if warm_start else None
        # the same main.cpp in every process (no recompilation of an unchanged project)
        canonical_main_queue(get_device().main_queue)
        with network_source(get_device()):      # the project's time loop
            get_device().build(run=False, directory=str(directory))
    return {"compile_s": time.time() - t0, "warm_start": src.name if src else None}


def canonical_main_queue(queue: list) -> None:
    """Put the statements of a standalone device's ``main_queue`` (what becomes
    ``main.cpp``) in an order that does not depend on the process, in place.

    Brian2 queues the start and end times of every clock of a run by iterating over a
    set of clocks, whose order changes from process to process (object hashes), so the
    same network gave another ``main.cpp`` in every process and a project built again
    by another process recompiled it.  Each maximal run of consecutive single-value
    assignments (``set_by_single_value``) is sorted by array name, stably: assignments
    to different arrays commute, and those to one array keep their order, so the
    program is the same."""
    k = 0
    while k < len(queue):
        if queue[k][0] != "set_by_single_value":
            k += 1
            continue
        end = k
        while end < len(queue) and queue[end][0] == "set_by_single_value":
            end += 1
        queue[k:end] = sorted(queue[k:end], key=lambda op: op[1][0])
        k = end


def default_cache_dir() -> Path:
    """Where standalone projects are built (``$MGNET_CACHE``/standalone, default
    ``~/.cache/mgnet/standalone``)."""
    return Path(os.environ.get("MGNET_CACHE", Path.home() / ".cache" / "mgnet")) / "standalone"


def _digest(h, part) -> None:
    """Feed ``part`` to the hash ``h``: arrays by dtype, shape and bytes; sequences
    element by element; anything else by its ``repr``."""
    if isinstance(part, np.ndarray):
        a = np.ascontiguousarray(part)
        h.update(f"array{a.dtype.str}{a.shape}".encode())
        h.update(a.tobytes())
    elif isinstance(part, (tuple, list)):
        h.update(f"{type(part).__name__}{len(part)}(".encode())
        for p in part:
            _digest(h, p)
        h.update(b")")
    else:
        h.update(repr(part).encode())
        h.update(b";")


def project_key(signature, flags: dict) -> str:
    """Cache key of a standalone project: a hash of the network's structural
    ``signature`` (arrays, nested tuples, anything with a deterministic ``repr``) and the
    build ``flags`` (:func:`build_flags`).  Two projects with the same key generate the
    same code and binary, so they share one directory."""
    import hashlib
    h = hashlib.sha1()
    _digest(h, (signature, tuple(sorted(flags.items()))))
    return h.hexdigest()[:16]
