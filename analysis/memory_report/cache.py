"""Per-run metrics computed once per report: a cache keyed by the run's content.

The ``*recomputed`` functions of the package (``recomputed``, ``planted_recomputed``,
``capacity_recomputed``, ``retention_recomputed``) are wrapped by :func:`_once_per_run`,
so that the sections and the figures of one report (and the robustness study) share one
computation per run.
"""
from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from ..run_file import RunData

#: content fingerprint -> metrics; filled by the ``*recomputed`` functions, so that the
#: sections and the figures of one report (and the robustness study) recompute a run's
#: metrics once instead of once per caller.
_METRICS_CACHE: dict = {}
_METRICS_CACHE_MAX = 4096


def _fingerprint(run: RunData) -> str:
    """A digest of every field of ``run`` (attributes, spikes, tables, protocol, patterns,
    recall, extra arrays, metrics): content-addressed, so two RunData with the same data
    share it, whatever object or file they came from.  Computed once per run read in a
    :func:`~mgnet.analysis.run_file.shared.shared_reads` block."""
    from ..run_file.shared import memo
    return memo(run, "fingerprint", lambda: _digest(run))


def _digest(run: RunData) -> str:
    """:func:`_fingerprint`, computed."""
    import dataclasses
    import hashlib
    h = hashlib.blake2b(digest_size=20)

    def add(name: str, value) -> None:
        if isinstance(value, Mapping):
            for k in sorted(value, key=str):
                add(f"{name}/{k}", value[k])
        elif isinstance(value, (tuple, list)) and any(
                isinstance(v, (np.ndarray, Mapping, tuple, list)) for v in value):
            for k, v in enumerate(value):
                add(f"{name}[{k}]", v)
        elif isinstance(value, np.ndarray) and not value.dtype.hasobject:
            a = np.ascontiguousarray(value)
            h.update(f"{name}|{a.dtype.str}|{a.shape}|".encode())
            h.update(a.tobytes())
        else:
            h.update(f"{name}|{value!r}|".encode())

    for f in dataclasses.fields(run):
        add(f.name, getattr(run, f.name))
    return h.hexdigest()


def _once_per_run(fn):
    """Cache ``fn(run)`` by the run's content (:func:`_fingerprint`); a copy is returned."""
    import functools

    @functools.wraps(fn)
    def wrapper(run: RunData) -> dict:
        key = (fn.__name__, _fingerprint(run))
        if key not in _METRICS_CACHE:
            if len(_METRICS_CACHE) >= _METRICS_CACHE_MAX:
                _METRICS_CACHE.clear()
            _METRICS_CACHE[key] = fn(run)
        return dict(_METRICS_CACHE[key])
    return wrapper
