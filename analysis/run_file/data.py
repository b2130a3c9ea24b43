"""The in-memory run (:class:`RunData`), the error type, and scalar-value conversions
shared by the reader, the writer and the validator.  Never imports brian2."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .schema import READABLE_SCHEMA_VERSIONS

__all__ = ["RunFileError", "RunData"]


class RunFileError(Exception):
    """A file is not a (complete, valid, readable-schema) run file, or data cannot be written.

    The message is one line naming the file and the first problem, suitable for a
    command line to print without a traceback.
    """


@dataclass
class RunData:
    """Everything stored in one run file, as plain Python and numpy values.

    All quantities are plain numbers in the in-memory units of the schema (see
    ``docs/run-files.md`` and :mod:`.schema`); no unit objects.  Spike
    timestamps are in seconds here although schema-2 files store milliseconds.

    Attributes
    ----------
    attrs : dict
        Root attributes; must contain every name in :data:`REQUIRED_ROOT_ATTRS`
        except ``schema_version`` and ``status``, which the writer sets (a
        ``schema_version`` read from a file of a readable version is accepted and
        replaced by :data:`SCHEMA_VERSION`). Extra scalar (str, int, float, bool)
        attributes are allowed.
    spikes : dict of str to (ndarray, ndarray)
        Population name -> (timestamps in seconds, node ids). Node ids are read back
        as int64.
    boutons : dict of str to ndarray or None
        Bouton assay table, one row per bouton (see :data:`BOUTON_COLUMNS`).
    branches : dict of str to ndarray or None
        Branch table, one row per branch (see :data:`BRANCH_COLUMNS`).
    synapses : dict of str to dict of str to ndarray
        Pathway -> column -> array, one row per synapse; ``pre`` and ``post`` are
        required, ``weight_<phase>`` (nS) and ``rho_<phase>`` (1) are snapshots.
    protocol : dict of str to dict
        Phase -> ``{"t_start": s, "t_stop": s, "plasticity": bool}``.
    patterns : ndarray or None
        Boolean pattern x neuron membership matrix (``/patterns/members``).
    recall : dict of str to ndarray or None
        Per-trial recall datasets, all with the same first-axis length.
    metrics : dict of str to float, int, str or bool
        Scalar results of the run (attributes of ``/metrics``).
    arrays : dict of str to ndarray
        Extra experiment-specific datasets by absolute HDF5 path, outside the
        reserved groups, e.g. ``"/timecourse/pr_mean"``. Each needs a unit in
        ``units``.
    units : dict of str to str
        HDF5 dataset path -> unit string of the array in memory. Datasets with a
        schema-defined unit may be omitted (or must agree); every other dataset must
        be listed. After :func:`read_run` it holds the unit of every dataset in the
        file, as held in memory (spike timestamps: ``"s"``).
    """

    attrs: dict
    spikes: dict = field(default_factory=dict)
    boutons: dict | None = None
    branches: dict | None = None
    synapses: dict = field(default_factory=dict)
    protocol: dict = field(default_factory=dict)
    patterns: np.ndarray | None = None
    recall: dict | None = None
    metrics: dict = field(default_factory=dict)
    arrays: dict = field(default_factory=dict)
    units: dict = field(default_factory=dict)


def is_int(value: Any) -> bool:
    # bool is an int subclass in Python; a seed of True is a bug, not a seed.
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


def is_bool(value: Any) -> bool:
    return isinstance(value, (bool, np.bool_))


def is_scalar_attr(value: Any) -> bool:
    return isinstance(value, (str, bool, int, float, np.bool_, np.integer, np.floating))


def to_python(value: Any) -> Any:
    """Convert an h5py attribute value to the matching plain Python value."""
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value[()]
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    return value


def to_attr(value: Any) -> Any:
    """Convert a Python scalar to a value h5py stores with a stable type."""
    if isinstance(value, str):
        return value
    if is_bool(value):
        return np.bool_(value)
    if is_int(value):
        return np.int64(value)
    return np.float64(value)


def valid_name(name: Any) -> bool:
    return isinstance(name, str) and name not in ("", ".", "..") and "/" not in name


def as_array(value: Any, where: str, problems: list[str]) -> np.ndarray | None:
    try:
        arr = np.asarray(value)
    except Exception as exc:  # noqa: BLE001 - any conversion failure is a data problem
        problems.append(f"{where} cannot be converted to an array ({exc})")
        return None
    if arr.dtype.kind not in "biuf":
        problems.append(
            f"{where} has dtype {arr.dtype}; only bool, integer and float data are stored"
        )
        return None
    return arr


def readable_text() -> str:
    return " and ".join(str(v) for v in READABLE_SCHEMA_VERSIONS)


def sorting_of(ts: np.ndarray, ids: np.ndarray) -> str:
    """SONATA ``sorting`` of a population: by_time if the times never decrease, else by_id
    if the node ids never decrease, else none (readers must then not assume an order)."""
    if np.all(np.diff(ts) >= 0):
        return "by_time"
    if np.all(np.diff(ids.astype(np.int64, copy=False)) >= 0):
        return "by_id"
    return "none"
