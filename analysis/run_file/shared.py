"""Each run file read once per figures-and-report step (:func:`shared_reads`).

The studies read their run files independently (the memory study alone reads every
``memory-encoding`` file for its section, its figures, the robustness and the noise
floor), so without sharing one report read each of them four or more times.  Inside a
``with shared_reads():`` block :func:`~mgnet.analysis.run_file.read_run` returns the same
:class:`RunData` for a file as long as the file is unchanged (same path, size and
modification time) and :func:`~mgnet.analysis.run_file.list_runs` reads a file's root
attributes once; outside such a block nothing is kept.

A shared run is read-only by convention: its numpy arrays are marked not writeable, so an
in-place change by a reader fails loudly instead of leaking into the next reader.
:func:`memo` keeps a value computed from a shared run (such as its content digest) for
the rest of the block.  Never imports brian2.
"""
from __future__ import annotations

import contextlib
import dataclasses
import os
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["shared_reads", "sharing", "cached", "memo"]


class _Scope:
    """What one ``shared_reads`` block keeps: values by (kind, file identity) and memos by
    (id of a shared run, name); the runs stay referenced, so their ids stay unique."""

    def __init__(self) -> None:
        self.files: dict[tuple, Any] = {}
        self.shared: dict[int, Any] = {}
        self.memos: dict[tuple[int, str], Any] = {}


_SCOPE: _Scope | None = None


@contextlib.contextmanager
def shared_reads() -> Iterator[None]:
    """Read each run file at most once until the block ends (nested blocks share the
    outermost one's reads)."""
    global _SCOPE
    if _SCOPE is not None:
        yield
        return
    _SCOPE = _Scope()
    try:
        yield
    finally:
        _SCOPE = None


def sharing() -> bool:
    """True inside a :func:`shared_reads` block."""
    return _SCOPE is not None


def _identity(path: str | os.PathLike) -> tuple:
    st = os.stat(path)
    return os.path.realpath(path), st.st_mtime_ns, st.st_size


def _freeze(value: Any) -> None:
    """Mark every numpy array in ``value`` (nested dicts, tuples, lists) not writeable."""
    if isinstance(value, np.ndarray):
        value.flags.writeable = False
    elif isinstance(value, Mapping):
        for v in value.values():
            _freeze(v)
    elif isinstance(value, (tuple, list)):
        for v in value:
            _freeze(v)


def cached(kind: str, path: str | os.PathLike, load: Callable[[], Any]) -> Any:
    """``load()``, or inside a :func:`shared_reads` block the value it gave for this
    ``kind`` and unchanged file before (a :class:`RunData` is frozen, see the module)."""
    if _SCOPE is None:
        return load()
    key = (kind, *_identity(Path(path)))
    if key not in _SCOPE.files:
        value = load()
        if dataclasses.is_dataclass(value):
            for f in dataclasses.fields(value):
                _freeze(getattr(value, f.name))
            _SCOPE.shared[id(value)] = value
        _SCOPE.files[key] = value
    return _SCOPE.files[key]


def memo(run: Any, name: str, compute: Callable[[], Any]) -> Any:
    """``compute()``, kept for the rest of the block when ``run`` is a shared run (read by
    :func:`cached` in this block); recomputed every time otherwise."""
    if _SCOPE is None or _SCOPE.shared.get(id(run)) is not run:
        return compute()
    key = (id(run), name)
    if key not in _SCOPE.memos:
        _SCOPE.memos[key] = compute()
    return _SCOPE.memos[key]
