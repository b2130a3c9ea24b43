"""Brian2's device, runtime code generation target, threads and seeds for interactive
work and tests (:func:`configure`), and the device description stored in run files.
Part of :mod:`mgnet.models.backend`, the only package that sets them."""
from __future__ import annotations

import os

import brian2
import numpy as np
from brian2 import BrianLogger, prefs, set_device

from .flags import _apply_standalone_prefs

__all__ = ["configure", "seed_all", "backend_info", "quiet_brian"]


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
    # the global generator on purpose: Brian2's numpy target draws from it
    np.random.seed(seed)  # noqa: NPY002


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
