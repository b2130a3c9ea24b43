"""Shared plumbing of the interop package: the optional-dependency guard, a run given as a
path or as read, and HDF5 attribute values as Python scalars.
"""
from __future__ import annotations

import importlib
import os
from typing import Any

import numpy as np

from ..run_file import RunData, read_run

_INSTALL_HINT = "pip install 'mgnet[analysis]'"


class MissingDependencyError(ImportError):
    """An optional package that a conversion needs is not installed (one-line message)."""


def _require(module: str, feature: str):
    """Import ``module`` or raise :class:`MissingDependencyError` naming ``feature``."""
    try:
        return importlib.import_module(module)
    except ImportError:
        top = module.split(".")[0]
        raise MissingDependencyError(
            f"{feature} needs the optional package '{top}', which is not installed; "
            f"install it with: {_INSTALL_HINT}") from None


def _as_run(run_file: str | os.PathLike | RunData) -> RunData:
    return run_file if isinstance(run_file, RunData) else read_run(run_file)


def _scalar(value: Any) -> Any:
    """An HDF5 attribute as a plain Python scalar (str, int, float, bool)."""
    if isinstance(value, bytes):
        return value.decode()
    if isinstance(value, np.generic):
        return value.item()
    return value
