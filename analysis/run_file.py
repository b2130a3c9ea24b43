"""HDF5 run files, schema version 2: write, read, validate and summarise.

One simulation run produces one HDF5 file (``results/runs/<experiment>/<run_id>.h5``)
holding everything needed to redraw every figure from raw data: provenance as root
attributes, spikes in the SONATA layout, bouton and branch assays, synapse tables,
protocol phases, stored patterns, recall trials and scalar metrics. The complete
schema is documented in ``docs/run-files.md``; this module is its only writer.

This module uses plain numpy and h5py and never imports brian2, so run files can be
read and figures redrawn on a machine without a compiler. Quantities are stored as
plain numbers in fixed units (seconds, mM, nS, ...) and every dataset carries a
``units`` attribute.

Spikes follow the SONATA spike-file specification so that SONATA tools (libsonata's
``SpikeReader``, bmtk, ...) read them directly: ``/spikes/<population>/timestamps`` in
**milliseconds** (``units = "ms"``), ``node_ids`` uint64, the population attribute
``sorting`` as the SONATA HDF5 enum (none / by_id / by_time), and no compression filter
on spike datasets (the PyPI libsonata wheel has no deflate filter).  In memory
(:class:`RunData`) spike times stay in **seconds**, like every other time in the
analysis; the writer converts to ms and :func:`read_run` back to s.  Schema-1 files
(timestamps in s, ``sorting`` a string) are still read, with the same in-memory result.

Rules the writer enforces:

- A file is written under a temporary name in the target directory and only
  renamed to its final name once complete (root attribute ``status`` =
  ``"complete"``); an existing run file is never overwritten.
- The content is validated before anything touches the disk, with the same checks
  :func:`validate_run` applies to files, so a file that was written always reads.
"""

from __future__ import annotations

import datetime
import math
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import h5py
import numpy as np

__all__ = [
    "SCHEMA_VERSION",
    "READABLE_SCHEMA_VERSIONS",
    "SPIKE_FILE_UNITS",
    "SONATA_SORTING",
    "SORTING_DTYPE",
    "REQUIRED_ROOT_ATTRS",
    "RESERVED_GROUPS",
    "SPIKE_COLUMNS",
    "BOUTON_COLUMNS",
    "BRANCH_COLUMNS",
    "SYNAPSE_COLUMNS",
    "SYNAPSE_PREFIX_UNITS",
    "RECALL_COLUMNS",
    "PATTERNS_UNITS",
    "PROTOCOL_TIME_UNITS",
    "RunFileError",
    "RunData",
    "write_run",
    "read_run",
    "validate_run",
    "summarize",
    "summary",
    "list_runs",
]

#: Version written by this code.  2: SONATA-conform spikes (timestamps in ms, ``sorting``
#: an HDF5 enum, spike datasets uncompressed); everything else as in version 1.
SCHEMA_VERSION = 2
#: Versions :func:`read_run` accepts.  Both read into the same in-memory RunData.
READABLE_SCHEMA_VERSIONS = (1, 2)

REQUIRED_ROOT_ATTRS = (
    "schema_version",
    "experiment",
    "condition",
    "seed",
    "run_id",
    "created_utc",
    "mgnet_version",
    "git_commit",
    "git_dirty",
    "brian2_version",
    "numpy_version",
    "python_version",
    "device",
    "codegen_target",
    "threads",
    "config_toml",
    "status",
)

# Root attributes that are not strings; every other required attribute is a str.
_INT_ROOT_ATTRS = ("schema_version", "seed", "threads")
_BOOL_ROOT_ATTRS = ("git_dirty",)
# The writer owns these two: callers cannot claim a file is complete or of another
# schema version.
_WRITER_ROOT_ATTRS = ("schema_version", "status")

RESERVED_GROUPS = (
    "spikes",
    "boutons",
    "branches",
    "synapses",
    "protocol",
    "patterns",
    "recall",
    "metrics",
)

#: Units of the spike arrays in memory (RunData.spikes, RunData.units).
SPIKE_COLUMNS = {"timestamps": "s", "node_ids": "1"}
#: Units of the spike datasets on disk, by schema version.
SPIKE_FILE_UNITS = {1: {"timestamps": "s", "node_ids": "1"},
                    2: {"timestamps": "ms", "node_ids": "1"}}
# Stored time units per second.  Multiplying by 1000 and dividing by 1000 (both exact
# powers of ten, correctly rounded) gives the nearest ms value on disk and returns the
# original seconds to within 1 ulp; no float64 mapping can round-trip every value exactly.
_PER_SECOND = {"s": 1.0, "ms": 1000.0}
#: SONATA's population attribute ``sorting``: name -> enum value.
SONATA_SORTING = {"none": 0, "by_id": 1, "by_time": 2}
#: Its HDF5 enum type.  The base type is a signed 8-bit integer, the C ``char`` that
#: libsonata's ``SpikeReader::Population::Sorting`` is declared with.
SORTING_DTYPE = h5py.enum_dtype(SONATA_SORTING, basetype=np.int8)

BOUTON_COLUMNS = {
    "branch_id": "1",
    "pr_true": "1",
    "mg_i": "mM",
    "n_release_1ap": "count",
    "n_release_burst": "count",
    "pr_1ap": "1",
    "pr_burst": "1",
    "q": "nS",
    "wca": "a.u.",
    "wca_burst": "a.u.",
}

BRANCH_COLUMNS = {
    "branch_id": "1",
    "length_um": "um",
    "mg_i": "mM",
    "D": "1/(10 um)",
    "mean_pr": "1",
    "sum_pr": "1/(10 um)",
    "sum_pr_burst": "1/(10 um)",
    "stf": "1",
    "capacity_bits": "bit/(10 um)",
}

SYNAPSE_COLUMNS = {"pre": "1", "post": "1", "contact": "1", "pr": "1"}
# Snapshot columns are named <prefix><phase>, e.g. weight_train, rho_test.
SYNAPSE_PREFIX_UNITS = {"weight_": "nS", "rho_": "1"}
_SYNAPSE_REQUIRED = ("pre", "post")

# A few recall columns are common enough to have fixed units; any other /recall
# dataset needs its unit in RunData.units.
RECALL_COLUMNS = {
    "pattern": "1",
    "cue_fraction": "1",
    "overlap": "1",
    "success": "1",
    "t_cue": "s",
}

PATTERNS_UNITS = "1"
PROTOCOL_TIME_UNITS = "s"
_PROTOCOL_KEYS = ("t_start", "t_stop", "plasticity")

# Columns holding probabilities (checked to lie in [0, 1]) and event counts
# (checked to be non-negative whole numbers).
_BOUTON_PROBABILITIES = ("pr_true", "pr_1ap", "pr_burst")
_BOUTON_COUNTS = ("n_release_1ap", "n_release_burst")
_BRANCH_PROBABILITIES = ("mean_pr",)
_SYNAPSE_INDICES = ("pre", "post", "contact")

# Small datasets compress badly and chunking them costs more than it saves.
_COMPRESS_MIN_BYTES = 64 * 1024
_GZIP_LEVEL = 4

_TMP_MARKER = ".tmp-"


class RunFileError(Exception):
    """A file is not a (complete, valid, readable-schema) run file, or data cannot be written.

    The message is one line naming the file and the first problem, suitable for a
    command line to print without a traceback.
    """


@dataclass
class RunData:
    """Everything stored in one run file, as plain Python and numpy values.

    All quantities are plain numbers in the in-memory units of the schema (see
    ``docs/run-files.md`` and the ``*_COLUMNS`` constants); no unit objects.  Spike
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


# --------------------------------------------------------------------------- helpers


def _is_int(value: Any) -> bool:
    # bool is an int subclass in Python; a seed of True is a bug, not a seed.
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


def _is_bool(value: Any) -> bool:
    return isinstance(value, (bool, np.bool_))


def _is_scalar_attr(value: Any) -> bool:
    return isinstance(value, (str, bool, int, float, np.bool_, np.integer, np.floating))


def _to_python(value: Any) -> Any:
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


def _to_attr(value: Any) -> Any:
    """Convert a Python scalar to a value h5py stores with a stable type."""
    if isinstance(value, str):
        return value
    if _is_bool(value):
        return np.bool_(value)
    if _is_int(value):
        return np.int64(value)
    return np.float64(value)


def _valid_name(name: Any) -> bool:
    return isinstance(name, str) and name not in ("", ".", "..") and "/" not in name


def _as_array(value: Any, where: str, problems: list[str]) -> np.ndarray | None:
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


def _fmt_unit(unit: str) -> str:
    return f"[{unit}]"


def _readable_text() -> str:
    return " and ".join(str(v) for v in READABLE_SCHEMA_VERSIONS)


def _sorting(ts: np.ndarray, ids: np.ndarray) -> str:
    """SONATA ``sorting`` of a population: by_time if the times never decrease, else by_id
    if the node ids never decrease, else none (readers must then not assume an order)."""
    if np.all(np.diff(ts) >= 0):
        return "by_time"
    if np.all(np.diff(ids.astype(np.int64, copy=False)) >= 0):
        return "by_id"
    return "none"


# ------------------------------------------------------------------ dataset listing


def _datasets(data: RunData) -> list[tuple[str, np.ndarray]]:
    """Every (HDF5 path, array) the RunData maps to, in writing order."""
    out: list[tuple[str, Any]] = []
    for pop, (ts, ids) in data.spikes.items():
        out.append((f"/spikes/{pop}/timestamps", ts))
        out.append((f"/spikes/{pop}/node_ids", ids))
    for group, table in (("boutons", data.boutons), ("branches", data.branches)):
        for col, arr in (table or {}).items():
            out.append((f"/{group}/{col}", arr))
    for pathway, table in data.synapses.items():
        for col, arr in table.items():
            out.append((f"/synapses/{pathway}/{col}", arr))
    if data.patterns is not None:
        out.append(("/patterns/members", data.patterns))
    for col, arr in (data.recall or {}).items():
        out.append((f"/recall/{col}", arr))
    for path, arr in data.arrays.items():
        out.append((path, arr))
    return out


def _default_unit(path: str) -> str | None:
    """The in-memory unit the schema fixes for a dataset path, or None if it fixes none."""
    parts = path.strip("/").split("/")
    top = parts[0]
    if top == "spikes" and len(parts) == 3:
        return SPIKE_COLUMNS.get(parts[2])
    if top == "boutons" and len(parts) == 2:
        return BOUTON_COLUMNS.get(parts[1])
    if top == "branches" and len(parts) == 2:
        return BRANCH_COLUMNS.get(parts[1])
    if top == "synapses" and len(parts) == 3:
        col = parts[2]
        if col in SYNAPSE_COLUMNS:
            return SYNAPSE_COLUMNS[col]
        for prefix, unit in SYNAPSE_PREFIX_UNITS.items():
            if col.startswith(prefix) and len(col) > len(prefix):
                return unit
        return None
    if path == "/patterns/members":
        return PATTERNS_UNITS
    if top == "recall" and len(parts) == 2:
        return RECALL_COLUMNS.get(parts[1])
    return None


def _resolve_units(data: RunData, paths: list[str], problems: list[str]) -> dict[str, str]:
    """Unit of every dataset path; report missing, conflicting and orphan entries."""
    resolved: dict[str, str] = {}
    given = data.units if isinstance(data.units, dict) else {}
    if not isinstance(data.units, dict):
        problems.append("units must be a dict of dataset path -> unit string")
    for path in paths:
        default = _default_unit(path)
        unit = given.get(path)
        if unit is not None and (not isinstance(unit, str) or not unit.strip()):
            problems.append(f"units for dataset {path} must be a non-empty string, got {unit!r}")
            continue
        if default is not None and unit is not None and unit != default:
            # Standard columns have one unit in the schema so that analysis code can
            # rely on it without looking; a different unit is a silent scale error.
            problems.append(
                f"dataset {path} must be in {default!r}, not {unit!r}"
            )
            continue
        if unit is None and default is None:
            problems.append(f"dataset {path} has no units (add it to RunData.units)")
            continue
        resolved[path] = unit if unit is not None else default
    path_set = set(paths)
    for path in given:
        if path not in path_set:
            problems.append(f"units given for {path}, but there is no such dataset")
    return resolved


# --------------------------------------------------------------------- content checks


def _check_root_attrs(attrs: Any, problems: list[str], *, writing: bool) -> None:
    if not isinstance(attrs, dict):
        problems.append("attrs must be a dict of root attributes")
        return
    for name in REQUIRED_ROOT_ATTRS:
        if name not in attrs:
            if writing and name in _WRITER_ROOT_ATTRS:
                continue
            problems.append(f"missing root attribute {name!r}")
    for name, value in attrs.items():
        if not isinstance(name, str) or not name:
            problems.append(f"root attribute name {name!r} is not a non-empty string")
            continue
        if name == "status" and writing:
            continue  # the writer sets it
        if name in _INT_ROOT_ATTRS:
            if not _is_int(value):
                problems.append(f"root attribute {name!r} must be an integer, got {value!r}")
                continue
        elif name in _BOOL_ROOT_ATTRS:
            if not _is_bool(value):
                problems.append(f"root attribute {name!r} must be a bool, got {value!r}")
                continue
        elif name in REQUIRED_ROOT_ATTRS:
            if not isinstance(value, str):
                problems.append(f"root attribute {name!r} must be a string, got {value!r}")
                continue
        elif not _is_scalar_attr(value):
            problems.append(
                f"root attribute {name!r} must be a str, int, float or bool, got {type(value).__name__}"
            )
            continue
        if name == "schema_version" and value not in READABLE_SCHEMA_VERSIONS:
            problems.append(f"schema_version {value}; this mgnet reads {_readable_text()}")
        elif name == "threads" and value < 1:
            problems.append(f"root attribute 'threads' must be >= 1, got {value}")
        elif name in ("experiment", "run_id") and not value.strip():
            problems.append(f"root attribute {name!r} is empty")
        elif name == "created_utc":
            try:
                datetime.datetime.fromisoformat(value)
            except ValueError:
                problems.append(
                    f"root attribute 'created_utc' is not an ISO 8601 time: {value!r}"
                )


def _check_table(
    where: str, table: Any, problems: list[str], *, first_axis_only: bool = False
) -> dict[str, np.ndarray]:
    """Convert a column table, checking names, dtypes and equal lengths."""
    if not isinstance(table, dict):
        problems.append(f"{where} must be a dict of column name -> array")
        return {}
    out: dict[str, np.ndarray] = {}
    for col, value in table.items():
        if not _valid_name(col):
            problems.append(f"{where} has an invalid column name {col!r}")
            continue
        arr = _as_array(value, f"{where}/{col}", problems)
        if arr is None:
            continue
        if first_axis_only:
            if arr.ndim < 1:
                problems.append(f"{where}/{col} must have at least one axis (one row per trial)")
                continue
        elif arr.ndim != 1:
            problems.append(f"{where}/{col} must be 1-D (one row per item), has shape {arr.shape}")
            continue
        out[col] = arr
    lengths = {col: len(arr) for col, arr in out.items()}
    if len(set(lengths.values())) > 1:
        detail = ", ".join(f"{c}={n}" for c, n in lengths.items())
        problems.append(f"{where} columns have different lengths ({detail})")
    return out


def _check_probability(where: str, arr: np.ndarray, problems: list[str],
                       allow_nan: bool = False) -> None:
    if arr.dtype.kind == "b":
        return
    # NaN fails both comparisons, so an undefined probability is reported too -- except
    # where it is meaningful (a branch without functional boutons has no mean Pr).
    bad = ~((arr >= 0) & (arr <= 1))
    if allow_nan:
        bad &= ~np.isnan(arr)
    if np.any(bad):
        n = int(np.count_nonzero(bad))
        example = arr[bad][0]
        problems.append(
            f"{where} must lie in [0, 1]; {n} value(s) outside, e.g. {example!r}"
        )


def _check_nonneg_integral(where: str, arr: np.ndarray, problems: list[str]) -> None:
    if arr.dtype.kind in "iu":
        bad = arr < 0
    elif arr.dtype.kind == "f":
        bad = ~(np.isfinite(arr) & (arr >= 0) & (arr == np.round(arr)))
    else:
        problems.append(f"{where} must hold whole numbers, has dtype {arr.dtype}")
        return
    if np.any(bad):
        problems.append(
            f"{where} must hold non-negative whole numbers; {int(np.count_nonzero(bad))} do not"
        )


def _check_spikes(spikes: Any, problems: list[str]) -> dict:
    if not isinstance(spikes, dict):
        problems.append("spikes must be a dict of population -> (timestamps, node_ids)")
        return {}
    out = {}
    for pop, pair in spikes.items():
        where = f"/spikes/{pop}"
        if not _valid_name(pop):
            problems.append(f"invalid spike population name {pop!r}")
            continue
        if not isinstance(pair, (tuple, list)) or len(pair) != 2:
            problems.append(f"{where} must be a (timestamps, node_ids) pair")
            continue
        ts = _as_array(pair[0], f"{where}/timestamps", problems)
        ids = _as_array(pair[1], f"{where}/node_ids", problems)
        if ts is None or ids is None:
            continue
        if ts.ndim != 1 or ids.ndim != 1:
            problems.append(f"{where} timestamps and node_ids must be 1-D")
            continue
        if len(ts) != len(ids):
            problems.append(
                f"{where} has {len(ts)} timestamps but {len(ids)} node_ids"
            )
        if ts.dtype.kind != "f":
            problems.append(f"{where}/timestamps must be floating point seconds, has dtype {ts.dtype}")
        elif not np.all(np.isfinite(ts) & (ts >= 0)):
            # SONATA does not require sorted spikes, only real times.
            problems.append(f"{where}/timestamps must be finite and >= 0")
        if ids.dtype.kind not in "iu":
            problems.append(f"{where}/node_ids must be integers, has dtype {ids.dtype}")
        elif ids.dtype.kind == "i" and np.any(ids < 0):
            problems.append(f"{where}/node_ids must be >= 0")
        elif ids.dtype.kind == "u" and len(ids) and ids.max() > np.iinfo(np.int64).max:
            problems.append(f"{where}/node_ids exceed the int64 range")
        out[pop] = (ts, ids)
    return out


def _check_protocol(protocol: Any, problems: list[str]) -> None:
    if not isinstance(protocol, dict):
        problems.append("protocol must be a dict of phase -> {t_start, t_stop, plasticity}")
        return
    for phase, spec in protocol.items():
        where = f"/protocol/{phase}"
        if not _valid_name(phase):
            problems.append(f"invalid protocol phase name {phase!r}")
            continue
        if not isinstance(spec, dict):
            problems.append(f"{where} must be a dict with t_start, t_stop, plasticity")
            continue
        for key in spec:
            if key not in _PROTOCOL_KEYS:
                problems.append(
                    f"{where} has unknown key {key!r} (allowed: {', '.join(_PROTOCOL_KEYS)})"
                )
        missing = [k for k in _PROTOCOL_KEYS if k not in spec]
        if missing:
            problems.append(f"{where} is missing {', '.join(missing)}")
            continue
        times = []
        for key in ("t_start", "t_stop"):
            value = spec[key]
            if _is_bool(value) or not isinstance(value, (int, float, np.integer, np.floating)):
                problems.append(f"{where} {key} must be a number of seconds, got {value!r}")
            elif not math.isfinite(value) or value < 0:
                problems.append(f"{where} {key} must be finite and >= 0, got {value!r}")
            else:
                times.append(float(value))
        if len(times) == 2 and times[0] > times[1]:
            problems.append(f"{where} has t_start {times[0]} s > t_stop {times[1]} s")
        if not _is_bool(spec["plasticity"]):
            problems.append(f"{where} plasticity must be a bool, got {spec['plasticity']!r}")


def _check_scalar_dict(where: str, values: Any, problems: list[str]) -> None:
    if not isinstance(values, dict):
        problems.append(f"{where} must be a dict of name -> scalar")
        return
    for name, value in values.items():
        if not isinstance(name, str) or not name:
            problems.append(f"{where} has an invalid name {name!r}")
        elif not _is_scalar_attr(value):
            problems.append(
                f"{where} {name!r} must be a str, int, float or bool, got {type(value).__name__}"
            )


def _check_array_paths(arrays: Any, problems: list[str]) -> dict[str, np.ndarray]:
    if not isinstance(arrays, dict):
        problems.append("arrays must be a dict of absolute HDF5 path -> array")
        return {}
    out = {}
    for path, value in arrays.items():
        if not isinstance(path, str) or not path.startswith("/"):
            problems.append(f"array path {path!r} must be an absolute HDF5 path like '/group/name'")
            continue
        parts = path[1:].split("/")
        if not all(_valid_name(p) for p in parts):
            problems.append(f"array path {path!r} has an empty or invalid component")
            continue
        if parts[0] in RESERVED_GROUPS:
            problems.append(
                f"array path {path!r} is inside the reserved group /{parts[0]}; "
                "use the matching RunData field"
            )
            continue
        arr = _as_array(value, path, problems)
        if arr is not None:
            out[path] = arr
    # A dataset cannot also be a group: "/a/b" and "/a/b/c" cannot both exist.
    for path in out:
        for other in out:
            if other.startswith(path + "/"):
                problems.append(f"array path {path!r} is also used as a group by {other!r}")
    return out


def _content_problems(data: RunData, *, writing: bool, check_units: bool = True) -> list[str]:
    """Every problem with the content of ``data``; empty when it can be written."""
    problems: list[str] = []
    _check_root_attrs(data.attrs, problems, writing=writing)
    _check_spikes(data.spikes, problems)

    if data.boutons is not None:
        boutons = _check_table("/boutons", data.boutons, problems)
        for col in _BOUTON_PROBABILITIES:
            if col in boutons:
                _check_probability(f"/boutons/{col}", boutons[col], problems)
        for col in _BOUTON_COUNTS:
            if col in boutons:
                _check_nonneg_integral(f"/boutons/{col}", boutons[col], problems)
    if data.branches is not None:
        branches = _check_table("/branches", data.branches, problems)
        for col in _BRANCH_PROBABILITIES:
            if col in branches:
                _check_probability(f"/branches/{col}", branches[col], problems,
                                  allow_nan=True)

    if not isinstance(data.synapses, dict):
        problems.append("synapses must be a dict of pathway -> column table")
    else:
        for pathway, table in data.synapses.items():
            if not _valid_name(pathway):
                problems.append(f"invalid synapse pathway name {pathway!r}")
                continue
            where = f"/synapses/{pathway}"
            cols = _check_table(where, table, problems)
            if isinstance(table, dict):
                for col in _SYNAPSE_REQUIRED:
                    if col not in table:
                        problems.append(f"{where} is missing column {col!r}")
            for col in _SYNAPSE_INDICES:
                if col in cols:
                    if cols[col].dtype.kind not in "iu":
                        problems.append(f"{where}/{col} must be integers, has dtype {cols[col].dtype}")
                    elif np.any(cols[col] < 0):
                        problems.append(f"{where}/{col} must be >= 0")
            if "pr" in cols:
                _check_probability(f"{where}/pr", cols["pr"], problems)

    _check_protocol(data.protocol, problems)

    if data.patterns is not None:
        members = _as_array(data.patterns, "/patterns/members", problems)
        if members is not None and (members.dtype.kind != "b" or members.ndim != 2):
            problems.append(
                "/patterns/members must be a 2-D boolean (pattern x neuron) array, "
                f"has dtype {members.dtype} and shape {members.shape}"
            )
    if data.recall is not None:
        _check_table("/recall", data.recall, problems, first_axis_only=True)

    _check_scalar_dict("/metrics", data.metrics, problems)
    _check_array_paths(data.arrays, problems)

    if check_units and not problems:
        # Units only make sense once every dataset path is well formed.
        _resolve_units(data, [p for p, _ in _datasets(data)], problems)
    return problems


# ------------------------------------------------------------------------- writing


def _create_dataset(f: h5py.File, path: str, arr: np.ndarray, unit: str,
                    compress: bool = True) -> None:
    kwargs: dict[str, Any] = {}
    if compress and arr.ndim >= 1 and arr.nbytes >= _COMPRESS_MIN_BYTES:
        kwargs = {"compression": "gzip", "compression_opts": _GZIP_LEVEL, "shuffle": True}
    parent, _, _ = path.rpartition("/")
    if parent:
        f.require_group(parent)
    ds = f.create_dataset(path, data=arr, **kwargs)
    ds.attrs["units"] = unit


def _write_contents(f: h5py.File, data: RunData, units: dict[str, str]) -> None:
    for name, value in data.attrs.items():
        if name in _WRITER_ROOT_ATTRS:
            continue
        f.attrs[name] = _to_attr(value)

    # Groups that always exist, so plain-h5py readers need no existence checks.
    spikes = f.create_group("spikes", track_order=True)
    file_units = SPIKE_FILE_UNITS[SCHEMA_VERSION]
    for pop, (ts, ids) in data.spikes.items():
        ts = np.asarray(ts, dtype=np.float64)
        ids = np.asarray(ids).astype(np.uint64)  # SONATA stores node ids as uint64
        grp = spikes.create_group(pop)
        # SONATA population attribute, an HDF5 enum (libsonata refuses a string).
        grp.attrs.create("sorting", SONATA_SORTING[_sorting(ts, ids)], dtype=SORTING_DTYPE)
        # SONATA tools take timestamps as ms and ignore the units attribute; memory holds s.
        # No deflate: the PyPI libsonata wheel cannot decompress it.
        ts_file = ts * _PER_SECOND[file_units["timestamps"]]
        _create_dataset(f, f"/spikes/{pop}/timestamps", ts_file, file_units["timestamps"],
                        compress=False)
        _create_dataset(f, f"/spikes/{pop}/node_ids", ids, file_units["node_ids"],
                        compress=False)

    for group, table in (("boutons", data.boutons), ("branches", data.branches)):
        if table is not None:
            f.create_group(group, track_order=True)
            for col, arr in table.items():
                _create_dataset(f, f"/{group}/{col}", np.asarray(arr), units[f"/{group}/{col}"])

    synapses = f.create_group("synapses", track_order=True)
    for pathway, table in data.synapses.items():
        synapses.create_group(pathway, track_order=True)
        for col, arr in table.items():
            path = f"/synapses/{pathway}/{col}"
            _create_dataset(f, path, np.asarray(arr), units[path])

    protocol = f.create_group("protocol", track_order=True)
    for phase, spec in data.protocol.items():
        grp = protocol.create_group(phase)
        grp.attrs["t_start"] = np.float64(spec["t_start"])
        grp.attrs["t_stop"] = np.float64(spec["t_stop"])
        grp.attrs["plasticity"] = np.bool_(spec["plasticity"])
        # Attributes cannot carry attributes, so the unit of t_start/t_stop sits on
        # the phase group.
        grp.attrs["units"] = PROTOCOL_TIME_UNITS

    if data.patterns is not None:
        f.create_group("patterns")
        _create_dataset(f, "/patterns/members", np.asarray(data.patterns), units["/patterns/members"])

    if data.recall is not None:
        f.create_group("recall", track_order=True)
        for col, arr in data.recall.items():
            _create_dataset(f, f"/recall/{col}", np.asarray(arr), units[f"/recall/{col}"])

    metrics = f.create_group("metrics", track_order=True)
    for name, value in data.metrics.items():
        metrics.attrs[name] = _to_attr(value)

    for path, arr in data.arrays.items():
        _create_dataset(f, path, np.asarray(arr), units[path])


def _fsync_path(path: Path, *, directory: bool = False) -> None:
    # Without fsync a crash right after the rename can leave a complete-looking name
    # pointing at unwritten blocks; best effort because not every filesystem allows
    # opening a directory.
    try:
        fd = os.open(path, os.O_RDONLY | (getattr(os, "O_DIRECTORY", 0) if directory else 0))
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _publish(tmp: Path, final: Path) -> None:
    """Give the finished temporary file its final name without ever overwriting."""
    try:
        # link() fails if the target exists, so two workers finishing the same run at
        # once cannot overwrite each other (os.replace would silently clobber).
        os.link(tmp, final)
    except FileExistsError:
        raise FileExistsError(f"{final} already exists; run files are never overwritten") from None
    except OSError:
        # Some filesystems have no hard links: fall back to check-then-replace,
        # which is atomic for readers but leaves a tiny window between two writers.
        if final.exists():
            raise FileExistsError(
                f"{final} already exists; run files are never overwritten"
            ) from None
        os.replace(tmp, final)
    else:
        tmp.unlink()


def write_run(path: str | os.PathLike, data: RunData) -> Path:
    """Write a run file atomically, refusing to overwrite an existing one.

    The content is validated first (the same checks as :func:`validate_run`), then
    written to a temporary file ``.<name>.tmp-<pid>-<random>`` in the target
    directory with root attribute ``status = "running"``; ``status`` becomes
    ``"complete"`` as the last write, and the file is then renamed to ``path``. On
    any error (including KeyboardInterrupt) the temporary file is removed, so no
    half-written file is left behind.

    Parameters
    ----------
    path : str or os.PathLike
        Final file name, conventionally ``results/runs/<experiment>/<run_id>.h5``.
        Parent directories are created.
    data : RunData
        Content to store, spike times in seconds. ``schema_version`` and ``status``
        are set by the writer (the file gets :data:`SCHEMA_VERSION`); if
        ``data.attrs`` has a ``schema_version`` it must be a readable one (data read
        from a schema-1 file can be written again), and any ``status`` is ignored.

    Returns
    -------
    pathlib.Path
        The final path of the written file.

    Raises
    ------
    RunFileError
        If ``data`` is invalid (missing root attribute, unequal column lengths,
        probability outside [0, 1], dataset without a unit, ...). Nothing is
        written.
    FileExistsError
        If ``path`` already exists.
    """
    final = Path(path)
    if not isinstance(data, RunData):
        raise RunFileError(f"cannot write {final}: expected RunData, got {type(data).__name__}")
    problems = _content_problems(data, writing=True)
    if problems:
        more = f" (and {len(problems) - 1} more problem(s))" if len(problems) > 1 else ""
        raise RunFileError(f"cannot write {final}: {problems[0]}{more}")
    units = _resolve_units(data, [p for p, _ in _datasets(data)], [])

    if final.exists():
        raise FileExistsError(f"{final} already exists; run files are never overwritten")
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = final.with_name(f".{final.name}{_TMP_MARKER}{os.getpid()}-{secrets.token_hex(4)}")
    try:
        with h5py.File(tmp, "w-", track_order=True) as f:
            f.attrs["schema_version"] = np.int64(SCHEMA_VERSION)
            # A crash leaves "running" behind, so an orphaned temporary file can
            # never be mistaken for a finished run even if it is renamed by hand.
            f.attrs["status"] = "running"
            _write_contents(f, data, units)
            f.attrs["status"] = "complete"
            f.flush()
        _fsync_path(tmp)
        _publish(tmp, final)
        _fsync_path(final.parent, directory=True)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return final


# ------------------------------------------------------------------------- reading


def _check_sorting(grp: h5py.Group, pop: str, ts: np.ndarray, ids: np.ndarray,
                   problems: list[str]) -> None:
    """Schema 2: ``sorting`` is the SONATA enum and true of the data (SONATA readers may
    rely on it when selecting spikes, so a wrong value could lose spikes silently)."""
    if "sorting" not in grp.attrs:
        problems.append(f"/spikes/{pop} has no sorting attribute")
        return
    mapping = h5py.check_enum_dtype(grp.attrs.get_id("sorting").dtype)
    if mapping is None or {k: int(v) for k, v in mapping.items()} != SONATA_SORTING:
        problems.append(f"/spikes/{pop} sorting must be the SONATA enum "
                        f"({', '.join(SONATA_SORTING)}), not {grp.attrs['sorting']!r}")
        return
    names = {v: k for k, v in SONATA_SORTING.items()}
    claimed = names.get(int(grp.attrs["sorting"]))
    key = {"by_time": ts, "by_id": ids}.get(claimed)
    if key is not None and len(key) > 1 and np.any(np.diff(key.astype(float)) < 0):
        problems.append(f"/spikes/{pop} sorting says {claimed}, but the data are not")


def _load(f: h5py.File) -> tuple[RunData | None, list[str]]:
    """Load an open file leniently, collecting structural problems instead of raising."""
    attrs = {name: _to_python(value) for name, value in f.attrs.items()}
    if "schema_version" not in attrs:
        return None, ["no schema_version attribute; not an mgnet run file"]
    version = attrs["schema_version"]
    if version not in READABLE_SCHEMA_VERSIONS:
        return None, [f"has schema_version {version}; this mgnet reads {_readable_text()}"]
    spike_file_units = SPIKE_FILE_UNITS[version]

    problems: list[str] = []
    status = attrs.get("status")
    if status != "complete":
        problems.append(f"is incomplete (status={status!r})")

    units: dict[str, str] = {}

    def collect_units(name: str, obj: Any) -> None:  # units of the arrays as held in memory
        if isinstance(obj, h5py.Dataset):
            path = "/" + name
            unit = obj.attrs.get("units")
            if unit is None:
                problems.append(f"dataset {path} has no units attribute")
            else:
                units[path] = _to_python(unit)

    f.visititems(collect_units)
    for path in units:
        # the spike datasets' file units are checked while loading them (they differ
        # from the in-memory units in schema 2)
        parts = path.strip("/").split("/")
        if parts[0] == "spikes" and len(parts) == 3 and parts[2] in SPIKE_COLUMNS:
            units[path] = SPIKE_COLUMNS[parts[2]]

    def group(name: str) -> h5py.Group | None:
        obj = f.get(name)
        if obj is None:
            return None
        if not isinstance(obj, h5py.Group):
            problems.append(f"/{name} must be a group, not a dataset")
            return None
        return obj

    def table(grp: h5py.Group, where: str) -> dict[str, np.ndarray]:
        out = {}
        for name, obj in grp.items():
            if isinstance(obj, h5py.Dataset):
                out[name] = np.asarray(obj[()])
            else:
                problems.append(f"unexpected group {where}/{name}")
        return out

    spikes = {}
    grp = group("spikes")
    if grp is not None:
        for pop, obj in grp.items():
            if not isinstance(obj, h5py.Group):
                problems.append(f"unexpected dataset /spikes/{pop} (expected a population group)")
                continue
            if "timestamps" not in obj or "node_ids" not in obj:
                problems.append(f"/spikes/{pop} needs both timestamps and node_ids")
                continue
            ts = np.asarray(obj["timestamps"][()])
            ids = np.asarray(obj["node_ids"][()])
            if ids.dtype.kind == "u" and (len(ids) == 0 or ids.max() <= np.iinfo(np.int64).max):
                # uint64 on disk (SONATA) but int64 in memory: numpy mixes uint64 with
                # int64 into float64 and np.bincount refuses uint64.
                ids = ids.astype(np.int64)
            t_unit = _to_python(obj["timestamps"].attrs.get("units"))
            if t_unit != spike_file_units["timestamps"]:
                problems.append(
                    f"dataset /spikes/{pop}/timestamps must be in "
                    f"{spike_file_units['timestamps']!r} in schema {version}, not {t_unit!r}")
            elif ts.dtype.kind == "f":
                # Every reader of RunData gets seconds, whatever the file stores.
                ts = ts / _PER_SECOND[t_unit]
            if version >= 2:
                _check_sorting(obj, pop, ts, ids, problems)
            spikes[pop] = (ts, ids)
            for extra in obj:
                if extra not in SPIKE_COLUMNS:
                    problems.append(f"unexpected item /spikes/{pop}/{extra}")

    boutons = branches = recall = None
    grp = group("boutons")
    if grp is not None:
        boutons = table(grp, "/boutons")
    grp = group("branches")
    if grp is not None:
        branches = table(grp, "/branches")
    grp = group("recall")
    if grp is not None:
        recall = table(grp, "/recall")

    synapses = {}
    grp = group("synapses")
    if grp is not None:
        for pathway, obj in grp.items():
            if not isinstance(obj, h5py.Group):
                problems.append(f"unexpected dataset /synapses/{pathway} (expected a pathway group)")
                continue
            synapses[pathway] = table(obj, f"/synapses/{pathway}")

    protocol = {}
    grp = group("protocol")
    if grp is not None:
        for phase, obj in grp.items():
            if not isinstance(obj, h5py.Group):
                problems.append(f"unexpected dataset /protocol/{phase} (expected a phase group)")
                continue
            phase_attrs = {k: _to_python(v) for k, v in obj.attrs.items()}
            unit = phase_attrs.pop("units", None)
            if unit != PROTOCOL_TIME_UNITS:
                problems.append(
                    f"/protocol/{phase} units attribute must be {PROTOCOL_TIME_UNITS!r}, got {unit!r}"
                )
            protocol[phase] = phase_attrs

    patterns = None
    grp = group("patterns")
    if grp is not None:
        for name in grp:
            if name != "members":
                problems.append(f"unexpected item /patterns/{name}")
        if "members" in grp and isinstance(grp["members"], h5py.Dataset):
            patterns = np.asarray(grp["members"][()])
        else:
            problems.append("/patterns exists but has no members dataset")

    metrics = {}
    grp = group("metrics")
    if grp is not None:
        metrics = {k: _to_python(v) for k, v in grp.attrs.items()}
        for name in grp:
            problems.append(f"unexpected item /metrics/{name} (metrics are attributes)")

    arrays: dict[str, np.ndarray] = {}

    def collect_arrays(name: str, obj: Any) -> None:
        if isinstance(obj, h5py.Dataset) and name.split("/")[0] not in RESERVED_GROUPS:
            arrays["/" + name] = np.asarray(obj[()])

    f.visititems(collect_arrays)

    data = RunData(
        attrs=attrs,
        spikes=spikes,
        boutons=boutons,
        branches=branches,
        synapses=synapses,
        protocol=protocol,
        patterns=patterns,
        recall=recall,
        metrics=metrics,
        arrays=arrays,
        units=units,
    )
    problems.extend(_content_problems(data, writing=False, check_units=False))
    # Units come from the file here, so check them against the schema directly
    # (missing ones were reported while collecting).
    for path, unit in units.items():
        default = _default_unit(path)
        if not isinstance(unit, str) or not unit.strip():
            problems.append(f"dataset {path} has an empty or non-string units attribute")
        elif default is not None and unit != default:
            problems.append(f"dataset {path} must be in {default!r}, not {unit!r}")
    return data, problems


def _inspect(path: str | os.PathLike) -> tuple[RunData | None, list[str]]:
    p = Path(path)
    if not p.exists():
        return None, ["does not exist"]
    if p.is_dir():
        return None, ["is a directory, not an HDF5 file"]
    try:
        is_hdf5 = h5py.is_hdf5(p)
    except OSError as exc:
        return None, [f"cannot be read ({exc})"]
    if not is_hdf5:
        return None, ["is not an HDF5 file"]
    try:
        with h5py.File(p, "r") as f:
            return _load(f)
    except OSError as exc:
        return None, [f"cannot be read as HDF5 ({exc})"]


def _message(path: str | os.PathLike, problems: list[str]) -> str:
    problem = problems[0]
    # Problems phrased as predicates ("is not an HDF5 file") read as a sentence
    # after the file name; the rest are labelled with a colon.
    sep = " " if problem.startswith(("is ", "has ", "does ", "cannot ")) else ": "
    more = f" (and {len(problems) - 1} more problem(s); see validate_run)" if len(problems) > 1 else ""
    return f"{path}{sep}{problem}{more}"


def read_run(path: str | os.PathLike) -> RunData:
    """Read a complete, valid run file.

    Parameters
    ----------
    path : str or os.PathLike
        The run file.

    Returns
    -------
    RunData
        Everything in the file. ``attrs`` includes ``schema_version`` (of the file:
        1 or 2) and ``status``; ``units`` maps every dataset path to the unit of the
        array in memory (its ``units`` attribute, except spike timestamps: ``"s"``);
        spike timestamps are in **seconds** whatever the schema (schema 2 stores ms
        and is converted), spike node ids are int64.

    Raises
    ------
    RunFileError
        If the file is missing, not HDF5, of an unreadable schema version, incomplete
        (``status != "complete"``) or fails any check of :func:`validate_run`. The
        message names the file and the first problem.
    """
    data, problems = _inspect(path)
    if problems or data is None:
        raise RunFileError(_message(path, problems or ["cannot be read"]))
    return data


def validate_run(path: str | os.PathLike) -> list[str]:
    """List every problem with a run file.

    Checks: the file exists and is HDF5; ``schema_version`` is 1 or 2 (other checks
    are skipped otherwise); ``status`` is ``"complete"``; all required root attributes
    are present with the right types; every dataset has a ``units`` attribute and
    standard datasets have their schema unit (spike timestamps: ``ms`` in schema 2,
    ``s`` in schema 1); column lengths agree within
    ``/boutons``, ``/branches``, each ``/synapses/<pathway>`` and ``/recall``;
    each spike population has equally long ``timestamps`` (finite, >= 0) and
    ``node_ids`` (non-negative integers) and, in schema 2, a SONATA enum
    ``sorting`` that is true of the data; protocol phases have
    ``0 <= t_start <= t_stop`` and a boolean ``plasticity``; probabilities lie in
    [0, 1]; release counts are non-negative whole numbers; ``/patterns/members``
    is a 2-D boolean array.

    Parameters
    ----------
    path : str or os.PathLike
        The file to check.

    Returns
    -------
    list of str
        Human-readable problems; empty if the file is a valid run file.
    """
    return _inspect(path)[1]


# ------------------------------------------------------------------------ summary


def _fmt_value(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, str) and "\n" in value:
        return f"<{value.count(chr(10)) + 1} lines>"
    return str(value)


def _phase_span(protocol: dict) -> tuple[float, float] | None:
    starts, stops = [], []
    for spec in protocol.values():
        if isinstance(spec, dict):
            t0, t1 = spec.get("t_start"), spec.get("t_stop")
            if isinstance(t0, (int, float)) and isinstance(t1, (int, float)):
                starts.append(float(t0))
                stops.append(float(t1))
    if not starts or max(stops) <= min(starts):
        return None
    return min(starts), max(stops)


def _jsonable(value: Any) -> Any:
    """A plain JSON value: numpy scalars to Python, non-finite floats to None."""
    value = _to_python(value)
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, np.ndarray):
        return [_jsonable(v) for v in value.tolist()]
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return value


def summary(path: str | os.PathLike, *, show_config: bool = False) -> dict:
    """The content of :func:`summarize` as plain JSON-ready values (``mgnet info --json``).

    Parameters
    ----------
    path : str or os.PathLike
        The run file.
    show_config : bool, optional
        Add ``config``: the stored resolved configuration (``config_toml``) parsed
        into tables (or the raw text if it does not parse).

    Returns
    -------
    dict
        ``path``, ``valid``, ``problems``, ``attrs`` (every root attribute except
        ``config_toml``), ``protocol`` (phase -> ``t_start``/``t_stop`` in s and
        ``plasticity``), ``spikes`` (population -> ``n_spikes``, ``n_nodes``, and over
        the protocol span ``duration_s``, ``rate_hz`` and ``rate_per_node_hz``),
        ``datasets`` (``path``, ``shape``, ``dtype``, ``units`` as stored in the file)
        and ``metrics``.  Non-finite numbers become ``None`` (null).

    Raises
    ------
    RunFileError
        As :func:`summarize`.
    """
    data, problems = _inspect(path)
    if data is None:
        raise RunFileError(_message(path, problems or ["cannot be read"]))
    a = data.attrs
    out: dict[str, Any] = {
        "path": str(path),
        "valid": not problems,
        "problems": list(problems),
        "attrs": {k: _jsonable(v) for k, v in a.items() if k != "config_toml"},
        "protocol": {phase: {k: _jsonable(v) for k, v in spec.items()}
                     for phase, spec in data.protocol.items() if isinstance(spec, dict)},
    }
    span = _phase_span(data.protocol)
    spikes = {}
    for pop, (ts, ids) in data.spikes.items():
        n = len(ts)
        n_nodes = len(np.unique(ids)) if ids.size else 0
        entry: dict[str, Any] = {"n_spikes": n, "n_nodes": n_nodes}
        if span:
            duration = span[1] - span[0]
            entry.update(duration_s=duration, rate_hz=n / duration,
                         rate_per_node_hz=(n / duration / n_nodes) if n_nodes else None)
        spikes[pop] = entry
    out["spikes"] = spikes
    version = a.get("schema_version")
    datasets = []
    for ds_path, arr in _datasets(data):
        arr = np.asarray(arr)
        unit = data.units.get(ds_path)
        parts = ds_path.strip("/").split("/")
        if (parts[0] == "spikes" and parts[-1] in SPIKE_COLUMNS
                and version in SPIKE_FILE_UNITS):
            unit = SPIKE_FILE_UNITS[version][parts[-1]]  # as stored (schema 2: ms)
        datasets.append({"path": ds_path, "shape": list(arr.shape), "dtype": str(arr.dtype),
                         "units": unit})
    out["datasets"] = datasets
    out["metrics"] = {k: _jsonable(v) for k, v in data.metrics.items()}
    if show_config:
        text = str(a.get("config_toml", ""))
        try:
            import tomllib
            out["config"] = tomllib.loads(text)
        except ValueError:  # tomllib.TOMLDecodeError
            out["config"] = text
    return out


def summarize(path: str | os.PathLike, *, show_config: bool = False) -> str:
    """Describe a run file in a few lines (the output of ``mgnet info FILE``).

    Incomplete or invalid run files are still summarised, with their status and
    problems listed at the end, because that is when one most needs to look.

    Parameters
    ----------
    path : str or os.PathLike
        The run file.
    show_config : bool, optional
        Append the stored resolved configuration (``config_toml``).

    Returns
    -------
    str
        Multi-line summary: identity, provenance, protocol, spike counts and mean
        rates, datasets with shapes and units, metrics, problems.

    Raises
    ------
    RunFileError
        If the file is missing, not HDF5, or not an mgnet run file of a readable
        schema version.
    """
    data, problems = _inspect(path)
    if data is None:
        raise RunFileError(_message(path, problems or ["cannot be read"]))
    a = data.attrs

    def attr(name: str) -> str:
        return _fmt_value(a[name]) if name in a else "?"

    lines = [
        f"{path}",
        f"  experiment   {attr('experiment')}    condition {attr('condition')}    seed {attr('seed')}",
        f"  run_id       {attr('run_id')}",
        f"  status       {attr('status')} (schema_version {attr('schema_version')})",
        f"  created      {attr('created_utc')}",
        f"  versions     mgnet {attr('mgnet_version')}, brian2 {attr('brian2_version')}, "
        f"numpy {attr('numpy_version')}, python {attr('python_version')}",
        f"  backend      device {attr('device')}, codegen {attr('codegen_target')}, "
        f"threads {attr('threads')}",
        f"  git          {attr('git_commit')}"
        + (" (dirty)" if a.get("git_dirty") is True else ""),
    ]
    extra = [k for k in a if k not in REQUIRED_ROOT_ATTRS]
    for name in extra:
        lines.append(f"  {name:<12} {_fmt_value(a[name])}")

    span = _phase_span(data.protocol)
    if data.protocol:
        head = f"protocol ({len(data.protocol)} phases"
        head += f", {span[0]:g}-{span[1]:g} s):" if span else "):"
        lines.append(head)
        for phase, spec in data.protocol.items():
            if not isinstance(spec, dict):
                continue
            plast = "plasticity on" if spec.get("plasticity") else "plasticity off"
            lines.append(
                f"  {phase:<14} {_fmt_value(spec.get('t_start'))}-{_fmt_value(spec.get('t_stop'))} s  {plast}"
            )

    if data.spikes:
        lines.append("spikes:")
        for pop, (ts, ids) in data.spikes.items():
            n = len(ts)
            n_nodes = len(np.unique(ids)) if ids.size else 0
            text = f"  {pop:<14} {n} spikes from {n_nodes} nodes"
            if span:
                duration = span[1] - span[0]
                text += f"; {n / duration:.4g} spikes/s over {duration:g} s"
                if n_nodes:
                    text += f", {n / duration / n_nodes:.4g} Hz per spiking node"
            lines.append(text)

    datasets = _datasets(data)
    if datasets:
        lines.append("datasets:")
        width = max(len(p) for p, _ in datasets)
        version = a.get("schema_version")
        for ds_path, arr in datasets:
            arr = np.asarray(arr)
            unit = data.units.get(ds_path, "no units!")
            parts = ds_path.strip("/").split("/")
            if (parts[0] == "spikes" and parts[-1] in SPIKE_COLUMNS
                    and version in SPIKE_FILE_UNITS):
                # describe the file: schema-2 spike times are stored in ms
                unit = SPIKE_FILE_UNITS[version][parts[-1]]
            lines.append(
                f"  {ds_path:<{width}}  {str(arr.shape):<12} {str(arr.dtype):<8} {_fmt_unit(unit)}"
            )

    if data.metrics:
        lines.append("metrics:")
        width = max(len(k) for k in data.metrics)
        for name, value in data.metrics.items():
            lines.append(f"  {name:<{width}} = {_fmt_value(value)}")

    if problems:
        lines.append(f"problems ({len(problems)}):")
        lines.extend(f"  - {p}" for p in problems)
    else:
        lines.append("valid: yes")

    if show_config:
        lines.append("config_toml:")
        lines.extend("  " + line for line in str(a.get("config_toml", "")).splitlines())
    return "\n".join(lines)


# ------------------------------------------------------------------------ listing


def list_runs(directory: str | os.PathLike, experiment: str | None = None,
              scale: str | None = None) -> list[Path]:
    """Find the complete run files below a directory.

    Only root attributes are read (``schema_version`` in
    :data:`READABLE_SCHEMA_VERSIONS` and ``status == "complete"``), so this is cheap
    but does not fully validate the
    files; use :func:`read_run` or :func:`validate_run` for that. Temporary files of
    writes in progress (``.<name>.tmp-*``), hidden files, files below hidden folders
    (such as ``.superseded/``) and files that are not HDF5 are skipped.

    Parameters
    ----------
    directory : str or os.PathLike
        Searched recursively for ``*.h5``; a missing directory gives an empty list.
    experiment : str, optional
        Keep only runs whose root attribute ``experiment`` equals this.
    scale : str, optional
        Keep only runs whose root attribute ``scale`` equals this (so quick and
        default runs in one results folder are never pooled).

    Returns
    -------
    list of pathlib.Path
        Sorted paths of complete run files.
    """
    root = Path(directory)
    if not root.is_dir():
        return []
    found = []
    for p in sorted(root.rglob("*.h5")):
        # Hidden files and anything under a hidden folder (e.g. runs/.superseded/,
        # where reproduce keeps run files of older configs) are not current results.
        if any(part.startswith(".") for part in p.relative_to(root).parts):
            continue
        if _TMP_MARKER in p.name or not p.is_file():
            continue
        try:
            if not h5py.is_hdf5(p):
                continue
            with h5py.File(p, "r") as f:
                attrs = {k: _to_python(f.attrs[k]) for k in ("schema_version", "status", "experiment", "scale") if k in f.attrs}
        except OSError:
            continue
        if (attrs.get("schema_version") not in READABLE_SCHEMA_VERSIONS
                or attrs.get("status") != "complete"):
            continue
        if experiment is not None and attrs.get("experiment") != experiment:
            continue
        if scale is not None and attrs.get("scale") != scale:
            continue
        found.append(p)
    return found
