"""Shared plumbing of the statistics package: result records that convert to dicts and the
checks that turn inputs into finite 1-D (or paired) arrays.
"""
from __future__ import annotations

from dataclasses import asdict
from typing import Any

import numpy as np


class _AsDict:
    """Mixin giving result dataclasses a plain-dict view for JSON/CSV reports."""

    def as_dict(self) -> dict[str, Any]:
        """Return the fields as a ``dict`` (arrays are left as arrays)."""
        return asdict(self)  # type: ignore[call-overload]


# --------------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------------


def _as_1d(x: Any, name: str) -> np.ndarray:
    arr = np.asarray(x, dtype=float)
    if arr.ndim == 0:
        arr = arr.reshape(1)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional, got shape {arr.shape}")
    return arr


def _paired_finite(x: Any, y: Any) -> tuple[np.ndarray, np.ndarray, int]:
    """Return the pairs where both values are finite and the number of pairs dropped."""
    xa, ya = _as_1d(x, "x"), _as_1d(y, "y")
    if xa.shape != ya.shape:
        raise ValueError(f"x and y must have equal length, got {xa.size} and {ya.size}")
    ok = np.isfinite(xa) & np.isfinite(ya)
    return xa[ok], ya[ok], int(xa.size - ok.sum())
