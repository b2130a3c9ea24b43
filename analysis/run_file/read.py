"""Reading and validating run files: the layout of each group comes from the table of
:mod:`.schema`; files of schema versions 1 and 2 read into the same :class:`RunData`.
Never imports brian2."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import h5py
import numpy as np

from . import schema
from .data import RunData, RunFileError, readable_text, to_python
from .shared import cached
from .validate import content_problems, unit_problems
from .write import TMP_MARKER

__all__ = ["read_run", "validate_run", "list_runs", "inspect"]


class _Reader:
    """One open file read leniently: structural problems are collected, not raised."""

    def __init__(self, f: h5py.File, version: int, problems: list[str]) -> None:
        self.f, self.version, self.problems = f, version, problems

    def group(self, name: str) -> h5py.Group | None:
        obj = self.f.get(name)
        if obj is None:
            return None
        if not isinstance(obj, h5py.Group):
            self.problems.append(f"/{name} must be a group, not a dataset")
            return None
        return obj

    def table(self, grp: h5py.Group, where: str) -> dict[str, np.ndarray]:
        out = {}
        for name, obj in grp.items():
            if isinstance(obj, h5py.Dataset):
                out[name] = np.asarray(obj[()])
            else:
                self.problems.append(f"unexpected group {where}/{name}")
        return out

    def units(self) -> dict[str, str]:
        """Unit of every dataset as held in memory (spike timestamps: s)."""
        units: dict[str, str] = {}

        def collect(name: str, obj: Any) -> None:
            if isinstance(obj, h5py.Dataset):
                unit = obj.attrs.get("units")
                if unit is None:
                    self.problems.append(f"dataset /{name} has no units attribute")
                else:
                    units["/" + name] = to_python(unit)

        self.f.visititems(collect)
        for path in units:
            # the population columns' file units are checked while loading them (they
            # differ from the in-memory units in schema 2)
            g = schema.group(path.strip("/").split("/")[0])
            col = g.column_path(path) if g is not None and g.layout == "populations" else None
            if col is not None:
                units[path] = col.unit
        return units

    def populations(self, g: schema.Group, grp: h5py.Group) -> dict:
        spikes = {}
        ts_col, ids_col = g.columns
        for pop, obj in grp.items():
            where = f"/{g.name}/{pop}"
            if not isinstance(obj, h5py.Group):
                self.problems.append(f"unexpected dataset {where} (expected a population group)")
                continue
            if ts_col.name not in obj or ids_col.name not in obj:
                self.problems.append(f"{where} needs both {ts_col.name} and {ids_col.name}")
                continue
            ts = self._timestamps(where, ts_col, obj[ts_col.name])
            ids = np.asarray(obj[ids_col.name][()])
            if ids.dtype.kind == "u" and (len(ids) == 0 or ids.max() <= np.iinfo(np.int64).max):
                # uint64 on disk (SONATA) but int64 in memory: numpy mixes uint64 with
                # int64 into float64 and np.bincount refuses uint64.
                ids = ids.astype(np.int64)
            if self.version >= 2:
                _check_sorting(obj, pop, ts, ids, self.problems)
            spikes[pop] = (ts, ids)
            for extra in obj:
                if g.column(extra) is None:
                    self.problems.append(f"unexpected item {where}/{extra}")
        return spikes

    def _timestamps(self, where: str, col: schema.Column, ds: h5py.Dataset) -> np.ndarray:
        ts = np.asarray(ds[()])
        stored = col.stored_unit(self.version)
        t_unit = to_python(ds.attrs.get("units"))
        if t_unit != stored:
            self.problems.append(f"dataset {where}/{col.name} must be in {stored!r} in schema "
                                 f"{self.version}, not {t_unit!r}")
        elif ts.dtype.kind == "f":
            # Every reader of RunData gets seconds, whatever the file stores.
            ts = ts / schema.PER_SECOND[t_unit]
        return ts

    def pathways(self, g: schema.Group, grp: h5py.Group) -> dict:
        out = {}
        for pathway, obj in grp.items():
            if not isinstance(obj, h5py.Group):
                self.problems.append(
                    f"unexpected dataset /{g.name}/{pathway} (expected a pathway group)")
                continue
            out[pathway] = self.table(obj, f"/{g.name}/{pathway}")
        return out

    def phases(self, g: schema.Group, grp: h5py.Group) -> dict:
        protocol = {}
        for phase, obj in grp.items():
            if not isinstance(obj, h5py.Group):
                self.problems.append(
                    f"unexpected dataset /{g.name}/{phase} (expected a phase group)")
                continue
            phase_attrs = {k: to_python(v) for k, v in obj.attrs.items()}
            unit = phase_attrs.pop("units", None)
            if unit != schema.PROTOCOL_TIME_UNITS:
                self.problems.append(f"/{g.name}/{phase} units attribute must be "
                                     f"{schema.PROTOCOL_TIME_UNITS!r}, got {unit!r}")
            protocol[phase] = phase_attrs
        return protocol

    def single(self, g: schema.Group, grp: h5py.Group) -> np.ndarray | None:
        name = g.columns[0].name
        for item in grp:
            if item != name:
                self.problems.append(f"unexpected item /{g.name}/{item}")
        if name in grp and isinstance(grp[name], h5py.Dataset):
            return np.asarray(grp[name][()])
        self.problems.append(f"/{g.name} exists but has no {name} dataset")
        return None

    def attributes(self, g: schema.Group, grp: h5py.Group) -> dict:
        for name in grp:
            self.problems.append(f"unexpected item /{g.name}/{name} ({g.name} are attributes)")
        return {k: to_python(v) for k, v in grp.attrs.items()}

    def load_group(self, g: schema.Group) -> Any:
        """The RunData field of one reserved group (None or {} if the file lacks it)."""
        grp = self.group(g.name)
        if grp is None:
            return None if g.layout in ("table", "trials", "single") else {}
        if g.layout in ("table", "trials"):
            return self.table(grp, f"/{g.name}")
        return getattr(self, g.layout)(g, grp)

    def arrays(self) -> dict[str, np.ndarray]:
        arrays: dict[str, np.ndarray] = {}
        reserved = schema.reserved_groups()

        def collect(name: str, obj: Any) -> None:
            if isinstance(obj, h5py.Dataset) and name.split("/")[0] not in reserved:
                arrays["/" + name] = np.asarray(obj[()])

        self.f.visititems(collect)
        return arrays


def _check_sorting(grp: h5py.Group, pop: str, ts: np.ndarray, ids: np.ndarray,
                   problems: list[str]) -> None:
    """Schema 2: ``sorting`` is the SONATA enum and true of the data (SONATA readers may
    rely on it when selecting spikes, so a wrong value could lose spikes silently)."""
    if "sorting" not in grp.attrs:
        problems.append(f"/spikes/{pop} has no sorting attribute")
        return
    mapping = h5py.check_enum_dtype(grp.attrs.get_id("sorting").dtype)
    if mapping is None or {k: int(v) for k, v in mapping.items()} != schema.SONATA_SORTING:
        problems.append(f"/spikes/{pop} sorting must be the SONATA enum "
                        f"({', '.join(schema.SONATA_SORTING)}), not {grp.attrs['sorting']!r}")
        return
    names = {v: k for k, v in schema.SONATA_SORTING.items()}
    claimed = names.get(int(grp.attrs["sorting"]))
    key = {"by_time": ts, "by_id": ids}.get(claimed)
    if key is not None and len(key) > 1 and np.any(np.diff(key.astype(float)) < 0):
        problems.append(f"/spikes/{pop} sorting says {claimed}, but the data are not")


def _load(f: h5py.File) -> tuple[RunData | None, list[str]]:
    """Load an open file leniently, collecting structural problems instead of raising."""
    attrs = {name: to_python(value) for name, value in f.attrs.items()}
    if "schema_version" not in attrs:
        return None, ["no schema_version attribute; not an mgnet run file"]
    version = attrs["schema_version"]
    if version not in schema.READABLE_SCHEMA_VERSIONS:
        return None, [f"has schema_version {version}; this mgnet reads {readable_text()}"]
    problems: list[str] = []
    status = attrs.get("status")
    if status != "complete":
        problems.append(f"is incomplete (status={status!r})")
    reader = _Reader(f, version, problems)
    units = reader.units()
    fields = {g.field: reader.load_group(g) for g in schema.GROUPS}
    data = RunData(attrs=attrs, **fields, arrays=reader.arrays(), units=units)
    problems.extend(content_problems(data, writing=False, check_units=False))
    # Units come from the file here, so check them against the schema directly
    # (missing ones were reported while collecting).
    unit_problems(units, problems)
    return data, problems


def inspect(path: str | os.PathLike) -> tuple[RunData | None, list[str]]:
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


def message(path: str | os.PathLike, problems: list[str]) -> str:
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
    return cached("run", path, lambda: _read_valid(path))


def _read_valid(path: str | os.PathLike) -> RunData:
    """:func:`read_run` without the sharing of :func:`.shared.shared_reads`."""
    data, problems = inspect(path)
    if problems or data is None:
        raise RunFileError(message(path, problems or ["cannot be read"]))
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
    return inspect(path)[1]




# ------------------------------------------------------------------------ listing


def list_runs(directory: str | os.PathLike, experiment: str | None = None,
              scale: str | None = None) -> list[Path]:
    """Find the complete run files below a directory.

    Only root attributes are read (``schema_version`` in
    :data:`.schema.READABLE_SCHEMA_VERSIONS` and ``status == "complete"``), so this is cheap
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
        if TMP_MARKER in p.name or not p.is_file():
            continue
        try:
            attrs = cached("list_attrs", p, lambda p=p: _listing_attrs(p))
        except OSError:
            continue
        if attrs is None:
            continue
        if (attrs.get("schema_version") not in schema.READABLE_SCHEMA_VERSIONS
                or attrs.get("status") != "complete"):
            continue
        if experiment is not None and attrs.get("experiment") != experiment:
            continue
        if scale is not None and attrs.get("scale") != scale:
            continue
        found.append(p)
    return found


def _listing_attrs(p: Path) -> dict | None:
    """The root attributes :func:`list_runs` selects on (None: not an HDF5 file)."""
    if not h5py.is_hdf5(p):
        return None
    with h5py.File(p, "r") as f:
        return {k: to_python(f.attrs[k]) for k in ("schema_version", "status", "experiment",
                                                    "scale") if k in f.attrs}
