"""Calibration files as versioned data, read lazily (issue 16).

The calibrate commands store what they calibrate as TOML files next to the model code:

- ``models/calibration.toml``: ``mgnet calibrate t6 --write``; read by
  models/parameters.py (T6: ConfigurationParams defaults, ELEVATED_MG_I);
- ``models/culture_calibration.toml``: ``mgnet calibrate-culture --write``; read by
  models/params_culture.py (CultureParams defaults);
- ``models/glun2b_chronic.toml``: ``mgnet calibrate-glun2b --write``; read by
  models/metaplasticity.py (the chronic arm's GluN2B fractions).

Each file carries a top-level ``schema_version`` (:data:`SCHEMA_VERSION`); a reader refuses
a file without one or of another version, with a message naming the command that rewrites
it.  Nothing reads a calibration file at import: the values are read on first use and
cached (:class:`Lazy` defaults and metadata, :class:`LazyMapping`), so importing the
models costs no file access and a missing or malformed file only matters to the code that
needs it.  The files are written only by the calibrate commands, and only when asked with
``--write`` (docs/calibration.md).

Standard library only (no brian2, no numpy), so this module is cheap to import.
"""
from __future__ import annotations

import functools
import tomllib
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

__all__ = ["SCHEMA_VERSION", "read_calibration", "Lazy", "LazyMapping", "resolve"]

#: Version of the calibration-file layout this code writes and reads.
SCHEMA_VERSION = 1


def read_calibration(path: str | Path, command: str) -> dict | None:
    """The content of calibration file ``path``, or None if it does not exist.

    Parameters
    ----------
    path : str or Path
        The TOML file.
    command : str
        The command that (re)writes it, for error messages.

    Raises
    ------
    ValueError
        If the file is not valid TOML or its ``schema_version`` is missing or not
        :data:`SCHEMA_VERSION`.
    """
    try:
        with open(path, "rb") as fh:
            data = tomllib.load(fh)
    except FileNotFoundError:
        return None
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"{path}: not a valid calibration file ({exc}); re-run "
                         f"'{command}'") from exc
    version = data.get("schema_version")
    if version != SCHEMA_VERSION:
        raise ValueError(f"{path}: calibration schema_version {version!r}; this mgnet reads "
                         f"{SCHEMA_VERSION} (re-run '{command}')")
    return data


class Lazy:
    """A value computed on first use and cached: ``Lazy(f)()`` calls ``f`` once.

    Used as a dataclass ``default_factory`` (the default is read from a calibration file
    when the first instance is made) and as a metadata or mapping value that
    :func:`resolve` replaces by its value.
    """

    def __init__(self, func: Callable[[], Any]) -> None:
        self._func = functools.cache(func)

    def __call__(self) -> Any:
        return self._func()

    def __repr__(self) -> str:
        return f"Lazy({getattr(self._func, '__name__', '?')})"


def resolve(value: Any) -> Any:
    """``value`` with every :class:`Lazy` in it (also inside dicts) replaced by its value."""
    if isinstance(value, Lazy):
        return value()
    if isinstance(value, dict):
        return {k: resolve(v) for k, v in value.items()}
    return value


class LazyMapping(Mapping):
    """A read-only mapping whose keys are fixed and whose values are resolved on access
    (:func:`resolve`): listing the keys reads no calibration file."""

    def __init__(self, data: Mapping) -> None:
        self._data = dict(data)

    def __getitem__(self, key: Any) -> Any:
        return resolve(self._data[key])

    def __iter__(self) -> Iterator:
        return iter(self._data)

    def __contains__(self, key: object) -> bool:
        return key in self._data  # without resolving the value

    def __len__(self) -> int:
        return len(self._data)

    def __repr__(self) -> str:
        return f"LazyMapping({list(self._data)!r})"
