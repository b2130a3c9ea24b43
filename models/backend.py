"""Brian2 device, code generation, threads and seeds: the only module that sets them.

Runtime mode (Cython) is the default for interactive work and tests.  Compile-once
standalone projects (design.md §5) are built with :func:`build_standalone`: one project
directory per network structure under an exclusive :func:`project_lock` (runs take a
shared lock), warm-started from a sibling project of the same family so that a new
structure seed recompiles only the few generated files that depend on it.
"""
from __future__ import annotations

import os
import shutil
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import brian2
from brian2 import prefs, BrianLogger, set_device, device as _device

__all__ = ["configure", "seed_all", "backend_info", "quiet_brian", "project_lock",
           "warm_start_project", "build_standalone"]


def quiet_brian() -> None:
    """Silence Brian2 log messages that are expected for these models.

    ``brian2.codegen.generators.base`` warns that on_pre code which reads ``v_post``
    and increments conductances of the same target "may depend on the order of
    execution"; the increments are additive and the read variables are not written,
    so the result is order independent.
    """
    BrianLogger.suppress_name("brian2.codegen.generators.base")
    BrianLogger.log_level_error()


def seed_all(seed: int) -> None:
    """Seed Brian2's and numpy's random number generators."""
    brian2.seed(seed)
    np.random.seed(seed)


def configure(*, device: str = "runtime", codegen_target: str = "cython",
              threads: int = 1, seed: int | None = None, directory: str | None = None) -> dict:
    """Select device and code generation; one thread per process (see README).

    Parameters
    ----------
    device : {"runtime", "cpp_standalone"}
    codegen_target : {"cython", "numpy"}
        Runtime code generation target.
    threads : int
        OpenMP threads for standalone mode (1 recommended on small machines).
    seed : int, optional
        Seeds Brian2 and numpy when given.
    directory : str, optional
        Standalone project directory.

    Returns
    -------
    dict
        What :func:`backend_info` reports, for the run file's provenance.
    """
    if device not in ("runtime", "cpp_standalone"):
        raise ValueError(f"unknown device '{device}'; allowed: runtime, cpp_standalone")
    if codegen_target not in ("cython", "numpy"):
        raise ValueError(f"unknown codegen target '{codegen_target}'; allowed: cython, numpy")
    if threads < 1:
        raise ValueError("threads must be >= 1")
    os.environ.setdefault("OMP_NUM_THREADS", str(threads))
    quiet_brian()
    if device == "runtime":
        set_device("runtime")
        prefs.codegen.target = codegen_target
    else:
        set_device("cpp_standalone", directory=directory, build_on_run=False)
        prefs.devices.cpp_standalone.openmp_threads = threads if threads > 1 else 0
    if seed is not None:
        seed_all(seed)
    return backend_info(device, codegen_target, threads)


def backend_info(device: str = "runtime", codegen_target: str | None = None,
                 threads: int = 1) -> dict:
    """Device description stored in run files."""
    target = codegen_target if device == "runtime" else "cpp_standalone"
    return {"device": device, "codegen_target": target or str(prefs.codegen.target),
            "threads": int(threads)}


# --------------------------------------------------------------------------------------
# Compile-once standalone projects
# --------------------------------------------------------------------------------------
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
    sibling (:func:`warm_start_project`) and calls ``device.build(run=False)``; an
    up-to-date project recompiles nothing.  Returns ``{"compile_s": wall seconds,
    "warm_start": sibling name or None}``.
    """
    import time
    from brian2 import get_device
    t0 = time.time()
    with project_lock(directory, exclusive=True):
        src = warm_start_project(directory) if warm_start else None
        get_device().build(run=False, directory=str(directory))
    return {"compile_s": time.time() - t0, "warm_start": src.name if src else None}
