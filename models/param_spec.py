"""Parameter declarations: :func:`param` records each default's literature source,
allowed range and calibration status in the dataclass field's metadata, and
:func:`param_info` reads it back (the config loader validates user input with it;
docs/parameters.md is generated from it).  Every parameter dataclass of
:mod:`mgnet.models.parameters` is declared with these two functions.
"""
from __future__ import annotations

import dataclasses
from dataclasses import field
from typing import Any

from brian2 import Quantity

from mgnet.models.calibration_files import Lazy, LazyMapping

__all__ = ["param", "param_info"]


def param(default: Any, source: str, *, low: Any = None, high: Any = None,
          uncertain: bool = False, calibrated: str | None = None,
          choices: tuple | None = None, doc: str = ""):
    """Declare a model parameter with its provenance.

    Parameters
    ----------
    default : Quantity, float, int, bool, str or Lazy
        Default value (a :class:`~mgnet.models.calibration_files.Lazy` is computed when
        the first instance is made: a value read from a calibration file).  Physical values are Brian2 quantities; their dimension is
        the dimension every override must have.
    source : str or Lazy
        Literature source (or "convention" / "this project" with a reason).
    low, high : same dimension as ``default``, optional
        Inclusive bounds enforced by the config loader.
    uncertain : bool
        The literature value is uncertain; the parameter is exposed, not hidden.
    calibrated : str, optional
        Name of the calibration target (e.g. "T6") that sets this value once.
    choices : tuple, optional
        Allowed values for string parameters.
    doc : str
        One-line meaning, with units in words where helpful.
    """
    meta = dict(source=source, low=low, high=high, uncertain=uncertain,
                calibrated=calibrated, choices=choices, doc=doc)
    if isinstance(default, Lazy) or any(isinstance(v, Lazy) for v in meta.values()):
        # read from a calibration file on first use, not at import (calibration_files)
        meta = LazyMapping(meta)
    if isinstance(default, Lazy):
        return field(default_factory=default, metadata=meta)
    if isinstance(default, Quantity):
        # Quantities are numpy arrays (mutable, unhashable): dataclasses need a factory.
        return field(default_factory=lambda d=default: d, metadata=meta)
    return field(default=default, metadata=meta)


def param_info(cls_or_obj) -> dict[str, dict]:
    """Metadata of every parameter of a parameter dataclass (name -> metadata dict)."""
    return {f.name: dict(f.metadata) for f in dataclasses.fields(cls_or_obj)}
