"""Writing run files: atomically, never overwriting, validated first; the layout of each
group comes from the table of :mod:`.schema`.  Never imports brian2."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

import h5py
import numpy as np

from . import schema
from .data import RunData, RunFileError, sorting_of, to_attr
from .validate import content_problems, datasets, resolve_units

__all__ = ["write_run"]

# Small datasets compress badly and chunking them costs more than it saves.
_COMPRESS_MIN_BYTES = 64 * 1024
_GZIP_LEVEL = 4

TMP_MARKER = ".tmp-"


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


def _write_populations(f: h5py.File, g: schema.Group, spikes: dict) -> None:
    grp_all = f.create_group(g.name, track_order=True)
    ts_col, ids_col = g.columns
    ts_unit = ts_col.stored_unit(schema.SCHEMA_VERSION)
    for pop, (ts, ids) in spikes.items():
        ts = np.asarray(ts, dtype=np.float64)
        ids = np.asarray(ids).astype(np.uint64)  # SONATA stores node ids as uint64
        grp = grp_all.create_group(pop)
        # SONATA population attribute, an HDF5 enum (libsonata refuses a string).
        grp.attrs.create("sorting", schema.SONATA_SORTING[sorting_of(ts, ids)],
                         dtype=schema.SORTING_DTYPE)
        # SONATA tools take timestamps as ms and ignore the units attribute; memory holds s.
        # No deflate: the PyPI libsonata wheel cannot decompress it.
        _create_dataset(f, f"/{g.name}/{pop}/{ts_col.name}", ts * schema.PER_SECOND[ts_unit],
                        ts_unit, compress=False)
        _create_dataset(f, f"/{g.name}/{pop}/{ids_col.name}", ids,
                        ids_col.stored_unit(schema.SCHEMA_VERSION), compress=False)


def _write_phases(f: h5py.File, g: schema.Group, protocol: dict) -> None:
    grp_all = f.create_group(g.name, track_order=True)
    for phase, spec in protocol.items():
        grp = grp_all.create_group(phase)
        grp.attrs["t_start"] = np.float64(spec["t_start"])
        grp.attrs["t_stop"] = np.float64(spec["t_stop"])
        grp.attrs["plasticity"] = np.bool_(spec["plasticity"])
        # Attributes cannot carry attributes, so the unit of t_start/t_stop sits on
        # the phase group.
        grp.attrs["units"] = schema.PROTOCOL_TIME_UNITS


def _write_group(f: h5py.File, g: schema.Group, value: Any, units: dict[str, str]) -> None:
    """Write one reserved group (groups marked ``always`` exist even when empty, so
    plain-h5py readers need no existence checks)."""
    if g.layout == "populations":
        _write_populations(f, g, value)
    elif g.layout == "phases":
        _write_phases(f, g, value)
    elif g.layout == "attributes":
        grp = f.create_group(g.name, track_order=True)
        for name, v in value.items():
            grp.attrs[name] = to_attr(v)
    elif g.layout == "pathways":
        grp = f.create_group(g.name, track_order=True)
        for pathway, table in value.items():
            grp.create_group(pathway, track_order=True)
            for col, arr in table.items():
                path = f"/{g.name}/{pathway}/{col}"
                _create_dataset(f, path, np.asarray(arr), units[path])
    elif value is None:
        return
    elif g.layout in ("table", "trials"):
        f.create_group(g.name, track_order=True)
        for col, arr in value.items():
            _create_dataset(f, f"/{g.name}/{col}", np.asarray(arr), units[f"/{g.name}/{col}"])
    elif g.layout == "single":
        f.create_group(g.name)
        path = f"/{g.name}/{g.columns[0].name}"
        _create_dataset(f, path, np.asarray(value), units[path])


def _write_contents(f: h5py.File, data: RunData, units: dict[str, str]) -> None:
    writer_sets = {a.name for a in schema.ROOT_ATTRIBUTES if a.writer_sets}
    for name, value in data.attrs.items():
        if name not in writer_sets:
            f.attrs[name] = to_attr(value)
    for g in schema.GROUPS:
        _write_group(f, g, getattr(data, g.field), units)
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
        are set by the writer (the file gets :data:`.schema.SCHEMA_VERSION`); if
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
    problems = content_problems(data, writing=True)
    if problems:
        more = f" (and {len(problems) - 1} more problem(s))" if len(problems) > 1 else ""
        raise RunFileError(f"cannot write {final}: {problems[0]}{more}")
    units = resolve_units(data, [p for p, _ in datasets(data)], [])

    if final.exists():
        raise FileExistsError(f"{final} already exists; run files are never overwritten")
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = final.with_name(f".{final.name}{TMP_MARKER}{os.getpid()}-{secrets.token_hex(4)}")
    try:
        with h5py.File(tmp, "w-", track_order=True) as f:
            f.attrs["schema_version"] = np.int64(schema.SCHEMA_VERSION)
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
