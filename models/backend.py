"""Brian2 device, code generation, threads and seeds: the only module that sets them.

Runtime mode (Cython) is the default for interactive work and tests.  Compile-once
standalone projects (design.md §5) are built with :func:`build_standalone`: one project
directory per network structure under an exclusive :func:`project_lock` (runs take a
shared lock), warm-started from a sibling project of the same family so that a new
structure seed recompiles only the few generated files that depend on it.

Every standalone project is set up by :func:`standalone_session` (or :func:`configure`),
with the same build flags (:data:`STANDALONE_COMPILE_ARGS`, :data:`STANDALONE_LINK_ARGS`,
``make -j`` bounded by :func:`build_jobs`).  The code-generation choices that make the
models cheaper without changing them are made here too (:data:`OPTIMISATIONS`, switched
off one at a time by the benchmarks' ablation with :func:`optimisations`):

* ``vectorised_neurons``: the neuron state update of a standalone project runs as a
  SIMD loop (:func:`vectorise_state_update`, template
  ``models/templates/cpp_standalone/stateupdate_simd.cpp``); runtime mode is unchanged.
* ``pooled_background``: Poisson background drive as one Poisson count per population
  and step, scattered onto uniformly random neurons
  (:class:`models.background.PooledPoissonInput`, templates ``pooled_poisson`` for
  cpp_standalone, Cython and numpy; :func:`code_object_class` selects them).
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
           "warm_start_project", "build_standalone", "STANDALONE_COMPILE_ARGS",
           "STANDALONE_LINK_ARGS", "build_jobs", "standalone_session", "OPTIMISATIONS",
           "optimisations", "code_object_class", "vectorise_state_update"]


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
        _apply_standalone_prefs()
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
# Build flags of every standalone project (one place)
# --------------------------------------------------------------------------------------
#: Added to Brian2's compile flags (``-O3 -ffast-math -fno-finite-math-only
#: -march=native``): honour ``#pragma omp simd`` (stateupdate_simd.cpp) without
#: OpenMP threads.  ``-fno-finite-math-only`` stays: the code must keep NaN and
#: infinities meaningful (runaway dynamics are detected from NaN membrane potentials).
STANDALONE_COMPILE_ARGS = ("-fopenmp-simd",)
#: Added to the link flags: ``-ffast-math`` links crtfastmath.o, which sets
#: flush-to-zero and denormals-are-zero at start-up.  The Euler decay g += -dt/tau*g
#: never reaches 0 in floating point, so conductances that are not kicked for a while
#: become denormal, which made the neuron update ~2.5x slower (AMD EPYC).
STANDALONE_LINK_ARGS = ("-ffast-math",)


def build_jobs() -> int:
    """Parallel compile jobs of a standalone build: ``$MGNET_BUILD_JOBS`` if set, else
    the number of cores this process may run on (Brian2's default ``make -j`` starts
    one compiler per source file at once)."""
    env = os.environ.get("MGNET_BUILD_JOBS", "").strip()
    if env:
        try:
            n = int(env)
        except ValueError:
            raise ValueError(f"MGNET_BUILD_JOBS must be a positive integer, got {env!r}")
        if n < 1:
            raise ValueError(f"MGNET_BUILD_JOBS must be a positive integer, got {env!r}")
        return n
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:          # not Linux
        return max(1, os.cpu_count() or 1)


#: The preferences :func:`standalone_session` sets (and restores afterwards).
_STANDALONE_PREFS = ("codegen.cpp.extra_compile_args_gcc", "codegen.cpp.extra_link_args",
                     "devices.cpp_standalone.extra_make_args_unix",
                     "devices.cpp_standalone.openmp_threads")


def _apply_standalone_prefs(threads: int = 1, jobs: int | None = None) -> None:
    compile_args = list(prefs.codegen.cpp.extra_compile_args_gcc)
    link_args = list(prefs.codegen.cpp.extra_link_args)
    prefs.codegen.cpp.extra_compile_args_gcc = compile_args + [
        a for a in STANDALONE_COMPILE_ARGS if a not in compile_args]
    prefs.codegen.cpp.extra_link_args = link_args + [
        a for a in STANDALONE_LINK_ARGS if a not in link_args]
    prefs.devices.cpp_standalone.extra_make_args_unix = [f"-j{jobs or build_jobs()}"]
    prefs.devices.cpp_standalone.openmp_threads = threads if threads > 1 else 0


@contextmanager
def standalone_session(directory, *, threads: int = 1, jobs: int | None = None):
    """Select Brian2's ``cpp_standalone`` device for the project ``directory``
    (``build_on_run=False``) with the project's build flags; on exit reset the device,
    select runtime mode again and restore the preferences.

    Parameters
    ----------
    directory : path
        Standalone project directory.
    threads : int
        OpenMP threads of the simulation (1: no OpenMP).
    jobs : int, optional
        Parallel compile jobs (default :func:`build_jobs`).

    Yields
    ------
    brian2.devices.cpp_standalone.CPPStandaloneDevice
    """
    from brian2 import get_device
    saved = {name: prefs[name] for name in _STANDALONE_PREFS}
    try:
        _apply_standalone_prefs(threads, jobs)
        set_device("cpp_standalone", directory=str(directory), build_on_run=False)
        yield get_device()
    finally:
        for name, value in saved.items():
            prefs[name] = value
        dev = get_device()
        dev.reinit()
        dev.activate()
        set_device("runtime")


# --------------------------------------------------------------------------------------
# Code generation that makes the models cheaper without changing them
# --------------------------------------------------------------------------------------
#: Switches of the optimisations (all on; the benchmarks' ablation turns them off).
OPTIMISATIONS = {"vectorised_neurons": True, "pooled_background": True}


@contextmanager
def optimisations(**switches):
    """Set :data:`OPTIMISATIONS` for the objects built inside the block (ablations)."""
    unknown = set(switches) - set(OPTIMISATIONS)
    if unknown:
        raise ValueError(f"unknown optimisation(s) {sorted(unknown)}; allowed: "
                         f"{', '.join(OPTIMISATIONS)}")
    saved = dict(OPTIMISATIONS)
    OPTIMISATIONS.update({k: bool(v) for k, v in switches.items()})
    try:
        yield dict(OPTIMISATIONS)
    finally:
        OPTIMISATIONS.clear()
        OPTIMISATIONS.update(saved)


_CODE_OBJECT_CLASSES: dict = {}


def _code_object_classes() -> dict:
    """CodeObject classes whose templaters find the project's templates
    (``models/templates/<target>/``) before Brian2's own."""
    if not _CODE_OBJECT_CLASSES:
        from brian2.devices.cpp_standalone.codeobject import CPPStandaloneCodeObject
        from brian2.codegen.runtime.cython_rt import CythonCodeObject
        from brian2.codegen.runtime.numpy_rt import NumpyCodeObject
        for key, base in (("cpp_standalone", CPPStandaloneCodeObject),
                          ("cython", CythonCodeObject), ("numpy", NumpyCodeObject)):
            _CODE_OBJECT_CLASSES[key] = type(
                f"Mgnet{base.__name__}", (base,),
                {"templater": base.templater.derive(__package__ or "models",
                                                    templates_dir=f"templates/{key}"),
                 "__doc__": f"{base.__name__} with the templates of models/templates/{key}"})
    return _CODE_OBJECT_CLASSES


def _device_target() -> str:
    """"cpp_standalone", "cython" or "numpy": where code created now will run."""
    from brian2 import get_device
    from brian2.devices.cpp_standalone.device import CPPStandaloneDevice
    if isinstance(get_device(), CPPStandaloneDevice):
        return "cpp_standalone"
    target = prefs.codegen.target
    if not isinstance(target, str):
        target = getattr(target, "class_name", "numpy")
    if target == "auto":
        from brian2.devices.device import auto_target
        target = auto_target().class_name
    return "cython" if target == "cython" else "numpy"


def code_object_class():
    """The CodeObject class for objects that use the project's templates, for the
    device (and runtime code-generation target) active now; objects must be created
    after the device is selected, as for any Brian2 object."""
    return _code_object_classes()[_device_target()]


def vectorise_state_update(group) -> bool:
    """Run ``group``'s state update as a SIMD loop in cpp_standalone projects.

    The template ``stateupdate_simd`` is Brian2's ``stateupdate`` with ``#pragma omp
    simd`` on the neuron loop and a declaration of glibc's vector ``exp``: the same
    arithmetic, several neurons per instruction; results differ from the scalar loop
    only by the rounding of ``exp`` (a few ulp).  Does nothing (returns False) in runtime
    mode, when :data:`OPTIMISATIONS` ``["vectorised_neurons"]`` is off, or when the
    equations are stochastic (random numbers are drawn from one sequential stream).
    """
    if not OPTIMISATIONS["vectorised_neurons"] or _device_target() != "cpp_standalone":
        return False
    if group.equations.stochastic_variables:
        return False
    updater = group.state_updater
    updater.codeobj_class = code_object_class()
    updater.template = "stateupdate_simd"
    return True


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
