"""Build flags of every standalone project (one place): the compile and link flags,
``make -j`` (:func:`build_jobs`), the preferences a standalone session sets
(:func:`_apply_standalone_prefs`) and what of them enters a project's cache key
(:func:`build_flags`).  Part of :mod:`mgnet.models.backend`."""
from __future__ import annotations

import os

import brian2
from brian2 import prefs

from .optimisations import OPTIMISATIONS

__all__ = ["STANDALONE_COMPILE_ARGS", "STANDALONE_LINK_ARGS", "build_jobs", "build_flags"]


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
            raise ValueError(f"MGNET_BUILD_JOBS must be a positive integer, got {env!r}") from None
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


def build_flags(threads: int = 1) -> dict:
    """Everything besides the network that the compiled binary of a standalone project
    depends on: the compile and link flags that :class:`StandaloneSession` sets (Brian2's
    own plus :data:`STANDALONE_COMPILE_ARGS` / :data:`STANDALONE_LINK_ARGS`), the OpenMP
    threads, the :data:`OPTIMISATIONS` switches (they change the generated code), the
    default clock's time step and Brian2's version.  Not ``make -j`` (same binary)."""
    from brian2 import defaultclock
    compile_args = list(prefs.codegen.cpp.extra_compile_args_gcc)
    link_args = list(prefs.codegen.cpp.extra_link_args)
    return {"compile_args": tuple(compile_args + [a for a in STANDALONE_COMPILE_ARGS
                                                  if a not in compile_args]),
            "link_args": tuple(link_args + [a for a in STANDALONE_LINK_ARGS
                                            if a not in link_args]),
            "openmp_threads": int(threads) if threads > 1 else 0,
            "optimisations": tuple(sorted(OPTIMISATIONS.items())),
            "dt_s": float(defaultclock.dt_),
            "brian2": str(brian2.__version__)}
