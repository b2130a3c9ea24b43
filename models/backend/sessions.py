"""Sessions: the one place that selects the device, seeds Brian2 and sets the build flags.

Every simulation that builds a network opens one session (:func:`simulation_session`): a
:class:`StandaloneSession` (compile-once project, :mod:`.projects`) or its runtime twin
:class:`RuntimeSession`, with one interface (``prepare`` the network, ``run`` it per
condition with ``run_args``-style assignments; :func:`apply_assignments` in runtime
mode).  :func:`standalone_session` is a session on an explicit directory.  Part of
:mod:`mgnet.models.backend`.
"""
from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path

import brian2
import numpy as np
from brian2 import prefs, set_device

from .flags import _STANDALONE_PREFS, _apply_standalone_prefs, build_flags
from .projects import (
    build_standalone,
    default_cache_dir,
    project_key,
    project_lock,
    remove_rerun_results,
    rerun_results_directory,
)

__all__ = ["StandaloneSession", "RuntimeSession", "simulation_session", "standalone_session",
           "apply_assignments"]


def apply_assignments(pairs) -> None:
    """Runtime mode: set ``(key, value)`` pairs (VariableViews, and TimedArrays in place)."""
    from brian2 import TimedArray
    for key, value in pairs:
        if isinstance(key, TimedArray):
            key.values[:] = np.asarray(value, dtype=float)
        else:
            key[:] = value


@contextmanager
def standalone_session(directory, *, threads: int = 1, jobs: int | None = None):
    """A :class:`StandaloneSession` on the explicit project ``directory`` (no seed, no
    cache key): Brian2's ``cpp_standalone`` device with the project's build flags, reset
    to runtime mode with the previous preferences on exit.  For tests and one-off
    projects; experiments use :func:`simulation_session`.

    Yields
    ------
    brian2.devices.cpp_standalone.CPPStandaloneDevice
    """
    with StandaloneSession(directory=directory, threads=threads, jobs=jobs) as session:
        yield session.brian_device


#: Name under which :class:`RuntimeSession` stores the network's initial state.
_RUNTIME_STORE = "mgnet_session_initial"


class _Session:
    """What both sessions share: the active device and seeding Brian2."""
    seed_value: int | None = None

    @property
    def brian_device(self):
        """The active Brian2 device (the cpp_standalone device while a standalone session
        is open)."""
        from brian2 import get_device
        return get_device()

    def seed(self) -> None:
        """Seed Brian2's generator with the session's seed (nothing if None)."""
        if self.seed_value is not None:
            brian2.seed(self.seed_value)


class StandaloneSession(_Session):
    """One compile-once ``cpp_standalone`` project: the only place (with its runtime
    twin :class:`RuntimeSession`, same interface) that selects Brian2's device, seeds
    Brian2's generator and sets the build flags.

    Use as a context manager (or call :meth:`close`)::

        with simulation_session(device, family="culture", signature=..., seed=s) as sess:
            net = build_the_network()          # objects created inside the session
            sess.prepare(net, simulate)        # standalone: record simulate(), compile
            for condition in conditions:
                sess.run(assignments, simulate)     # run_args; runtime: restore + set
                read_the_monitors()

    Entering selects ``cpp_standalone`` (``build_on_run=False``) for :attr:`directory`
    with the project's build flags (:data:`STANDALONE_COMPILE_ARGS`,
    :data:`STANDALONE_LINK_ARGS`, ``make -j`` :func:`build_jobs`, OpenMP ``threads``) and
    seeds Brian2 with ``seed``; closing deletes this process's results directories,
    restores the preferences, resets the device and selects runtime mode again.

    Parameters
    ----------
    family : str
        Project family (``<cache_dir>/<family>-<key>``; siblings of one family
        warm-start each other, :func:`warm_start_project`).
    signature : object
        Everything that enters the generated code or the network's structure (arrays,
        nested tuples, objects with a deterministic ``repr``); with :func:`build_flags`
        it makes the cache key :attr:`key` (:func:`project_key`).  Values that reach the
        project only through ``run_args`` must not be in it.
    seed : int, optional
        Seed of Brian2's generator (recorded at the start of the binary: every rerun
        starts from it).
    cache_dir : path, optional
        Parent of the project directory (default :func:`default_cache_dir`).
    directory : path, optional
        An explicit project directory instead of ``family``/``signature`` (benchmarks
        and tests: fresh temporary projects); :attr:`key` is then None.
    threads : int
        OpenMP threads of the simulation (1: no OpenMP).
    jobs : int, optional
        Parallel compile jobs (default :func:`build_jobs`).
    warm_start : bool
        Warm-start an unbuilt project from a sibling (:func:`build_standalone`).
    make_cmd, run_cmd : optional
        Brian2's ``make_cmd_unix`` / ``run_cmd_unix`` for this project (e.g. wrapped by a
        memory measurement); restored on close.
    """

    device = "cpp_standalone"

    def __init__(self, family: str | None = None, signature=None, *, seed: int | None = None,
                 cache_dir=None, directory=None, threads: int = 1, jobs: int | None = None,
                 warm_start: bool = True, make_cmd=None, run_cmd=None):
        if threads < 1:
            raise ValueError("threads must be >= 1")
        self.seed_value = None if seed is None else int(seed)
        self.threads, self.jobs, self.warm_start = int(threads), jobs, bool(warm_start)
        self.flags = build_flags(self.threads)
        if directory is not None:
            self.key = None
            self.directory = str(directory)
        else:
            if not family or "-" in family:
                raise ValueError(f"family must be a non-empty name without '-', got {family!r}")
            self.key = project_key(signature, self.flags)
            root = default_cache_dir() if cache_dir is None else Path(cache_dir)
            self.directory = str(Path(root) / f"{family}-{self.key}")
        self._commands = {}
        if make_cmd is not None:
            self._commands["devices.cpp_standalone.make_cmd_unix"] = make_cmd
        if run_cmd is not None:
            self._commands["devices.cpp_standalone.run_cmd_unix"] = run_cmd
        self.compile_info: dict | None = None
        self.n_runs = 0
        self._saved = None
        self._removed = 0

    # -- device -------------------------------------------------------------------------
    def __enter__(self):
        if self._saved is not None:
            raise RuntimeError("this standalone session is already open")
        names = _STANDALONE_PREFS + tuple(self._commands)
        self._saved = {name: prefs[name] for name in names}
        try:
            _apply_standalone_prefs(self.threads, self.jobs)
            for name, value in self._commands.items():
                prefs[name] = value
            set_device("cpp_standalone", directory=self.directory, build_on_run=False)
            self.seed()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        """Delete this process's results directories, restore the preferences, reset
        the device and select runtime mode (idempotent)."""
        if self._saved is None:
            return
        from brian2 import get_device
        saved, self._saved = self._saved, None
        try:
            self._remove_results(self.n_runs)
        finally:
            for name, value in saved.items():
                prefs[name] = value
            dev = get_device()
            dev.reinit()
            dev.activate()
            set_device("runtime")

    # -- build and runs -----------------------------------------------------------------
    def build(self) -> dict:
        """Compile the network defined so far (:func:`build_standalone`: exclusive
        :func:`project_lock`, warm start; an up-to-date project recompiles nothing)."""
        self.compile_info = build_standalone(self.directory, warm_start=self.warm_start)
        return self.compile_info

    def prepare(self, net, simulate, *, progress=None, at: float = 0.0) -> dict:
        """Record ``simulate()`` (the runs of ``net``, e.g. ``net.run(duration)``) on
        the device and compile the project; ``progress(message, at)`` is told.  Returns
        ``{"compile_s", "warm_start"}``."""
        simulate()
        if progress:
            progress("compiling (cached after the first time)", at)
        return self.build()

    def run(self, assignments=(), simulate=None) -> None:
        """Run the compiled binary once with ``run_args`` = ``assignments`` (a mapping
        or ``(variable view, value)`` pairs) under the shared :func:`project_lock`, into
        a results directory of its own (:func:`rerun_results_directory`).  The values
        read from the network afterwards are this run's, until the next run or
        :meth:`close` (which delete it).  ``simulate`` is ignored: the binary replays the
        runs recorded by :meth:`prepare`."""
        from brian2 import get_device
        args = dict(assignments.items() if hasattr(assignments, "items") else assignments)
        self._remove_results(self.n_runs)
        self.n_runs += 1
        with project_lock(self.directory, exclusive=False):
            get_device().run(run_args=args,
                             results_directory=rerun_results_directory(self.n_runs))

    def profiling_info(self) -> list[tuple[str, float]]:
        """(code object, seconds) of the last run of a project built with Brian2
        profiling, longest first.  ``net.get_profiling_info()`` reads the project's
        ``results/``, which a session's runs do not write (their own directories)."""
        path = os.path.join(self.directory, rerun_results_directory(self.n_runs),
                            "profiling_info.txt")
        with open(path) as fh:
            rows = [(name, float(val)) for name, val in (ln.split() for ln in fh if ln.strip())]
        return sorted(rows, key=lambda r: r[1], reverse=True)

    def _remove_results(self, upto: int) -> None:
        if upto > self._removed:
            remove_rerun_results(self.directory, range(self._removed + 1, upto + 1))
            self._removed = upto


class RuntimeSession(_Session):
    """The runtime twin of :class:`StandaloneSession` (same interface): Brian2's
    runtime device (selected by :func:`configure`), the network stored once and every
    run started from that state with Brian2's generator seeded again, so that every
    condition sees the same random stream (paired conditions).

    ``family``, ``signature``, ``cache_dir`` and the build options are accepted and
    ignored (nothing is compiled); :attr:`directory` and :attr:`key` are None.
    """

    device = "runtime"
    directory = None
    key = None

    def __init__(self, family: str | None = None, signature=None, *, seed: int | None = None,
                 **_ignored):
        self.seed_value = None if seed is None else int(seed)
        self.compile_info: dict | None = None
        self.n_runs = 0
        self._net = None

    def __enter__(self):
        from brian2 import get_device
        from brian2.devices.cpp_standalone.device import CPPStandaloneDevice
        if isinstance(get_device(), CPPStandaloneDevice):
            raise RuntimeError("a runtime session cannot be opened inside a standalone one")
        self.seed()
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        """Nothing to release (the device stays runtime)."""
        self._net = None

    def build(self) -> dict:
        """Nothing to compile."""
        self.compile_info = {"compile_s": 0.0, "warm_start": None}
        return self.compile_info

    def prepare(self, net, simulate=None, *, progress=None, at: float = 0.0) -> dict:
        """Store the initial state of ``net`` (``simulate`` runs at every :meth:`run`)."""
        self._net = net
        net.store(_RUNTIME_STORE)
        return self.build()

    def run(self, assignments=(), simulate=None) -> None:
        """Restore the stored state, seed Brian2 again, set ``assignments`` (a mapping or
        ``(variable view, value)`` pairs, as ``run_args``) and call ``simulate()``."""
        if self._net is None:
            raise RuntimeError("prepare() the network before run()")
        if simulate is None:
            raise ValueError("a runtime session needs simulate (the network's runs)")
        self._net.restore(_RUNTIME_STORE)
        self.seed()
        apply_assignments(assignments.items() if hasattr(assignments, "items")
                          else assignments)
        self.n_runs += 1
        simulate()


def simulation_session(device: str, family: str | None = None, signature=None, **kwargs):
    """A :class:`StandaloneSession` (``device="cpp_standalone"``) or its runtime twin
    :class:`RuntimeSession` (``"runtime"``) with the same arguments."""
    if device == "cpp_standalone":
        return StandaloneSession(family, signature, **kwargs)
    if device == "runtime":
        return RuntimeSession(family, signature, **kwargs)
    raise ValueError(f"unknown device '{device}'; allowed: cpp_standalone, runtime")
