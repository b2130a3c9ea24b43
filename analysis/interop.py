"""Run files in the field's tools: Neo/Elephant spike trains, NWB files, pandas tables.

Issue 17 ("results the field's tools can read"): a run file (``docs/run-files.md``) opens
in the usual analysis stack without a hand-written loader.

- :func:`to_neo` -- a ``neo.Block`` with one ``neo.SpikeTrain`` per neuron and population
  (seconds, ``t_start``/``t_stop`` from the run's protocol) and the protocol phases, recall
  cues and network bursts as ``neo.Epoch`` objects, ready for Elephant.
- :func:`export_nwb` -- an NWB 2 file (pynwb): spikes as units, phases as epochs, cues and
  bursts as ``TimeIntervals``, assembly membership as a unit column, the run's metrics as
  a table, provenance in the file's metadata (``mgnet export-nwb RUN.h5``).
- :func:`load_metrics` -- one pandas row per complete run file with every scalar metric,
  and :func:`spikes_frame` -- one row per spike.

At import this module needs numpy and h5py only (like the rest of ``analysis/``, it never
imports brian2); neo, pynwb and pandas are imported inside the functions that use them and
a missing one raises :class:`MissingDependencyError` with one line naming the package and
the install command (``pip install 'mgnet[analysis]'``).

Times are seconds everywhere here, as in :class:`~mgnet.analysis.run_file.RunData`; schema-2 run
files store spike times in ms and :func:`~mgnet.analysis.run_file.read_run` converts them.
"""

from __future__ import annotations

import datetime
import hashlib
import importlib
import json
import math
import os
import secrets
import tomllib
import warnings
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import h5py
import numpy as np

from mgnet.models.units import parse_value

from .run_file import READABLE_SCHEMA_VERSIONS, RunData, RunFileError, list_runs, read_run

__all__ = [
    "MissingDependencyError",
    "RUN_COLUMNS",
    "to_neo",
    "export_nwb",
    "default_nwb_path",
    "load_metrics",
    "spikes_frame",
    "population_sizes",
    "spike_time_resolution",
    "interval_tables",
    "config_tables",
    "config_hash",
    "changed_parameters",
]

#: Columns of :func:`load_metrics` that describe the run; every other column is a metric.
RUN_COLUMNS = ("experiment", "condition", "seed", "scale", "run_id", "path", "created_utc",
               "git_commit", "config_hash", "params_hash", "params_changed")

_INSTALL_HINT = "pip install 'mgnet[analysis]'"
_HASH_LEN = 10


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


# ----------------------------------------------------------------------- shared pieces


def population_sizes(run: RunData, sizes: Mapping[str, int] | None = None) -> dict[str, int]:
    """Number of nodes (neurons) of every spike population, silent ones included.

    A run file stores spikes, not population sizes, so they are taken, in this order, from
    ``sizes`` (the caller's), from the run's metrics ``n_<population>`` (``n_exc``,
    ``n_inh``), from ``n_<prefix>`` for suffixed populations (``exc_p2`` -> ``n_exc``), and
    last from the largest node id + 1 (which misses silent neurons above it).

    Parameters
    ----------
    run : RunData
        A run read with :func:`~mgnet.analysis.run_file.read_run`.
    sizes : mapping of str to int, optional
        Known sizes; they win over everything else.

    Returns
    -------
    dict of str to int
        Population -> number of nodes, in the run's population order.

    Raises
    ------
    ValueError
        A size in ``sizes`` or the metrics is smaller than the largest node id + 1.
    """
    sizes = dict(sizes or {})
    out = {}
    for pop, (_, ids) in run.spikes.items():
        ids = np.asarray(ids, np.int64)
        needed = int(ids.max()) + 1 if ids.size else 0
        size = sizes.get(pop)
        source = "the given sizes"
        if size is None:
            for key in (f"n_{pop}", f"n_{pop.split('_')[0]}"):
                value = run.metrics.get(key)
                if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
                    size, source = int(value), f"metric '{key}'"
                    break
        if size is None:
            size = needed
        if size < needed:
            raise ValueError(f"population '{pop}' has node id {needed - 1} but {source} "
                             f"gives only {size} nodes")
        out[pop] = int(size)
    return out


def _split_by_node(times: np.ndarray, ids: np.ndarray, n: int) -> list[np.ndarray]:
    """Spike times of nodes 0..n-1, each sorted in time."""
    ids = np.asarray(ids, np.int64)
    order = np.lexsort((times, ids))
    counts = np.bincount(ids, minlength=n)
    return np.split(np.asarray(times, float)[order], np.cumsum(counts)[:-1])


def config_tables(run: RunData) -> dict:
    """The run's resolved configuration (root attribute ``config_toml``) parsed by tomllib.

    Parameters
    ----------
    run : RunData

    Returns
    -------
    dict
        The TOML document; ``{}`` if ``config_toml`` is empty.

    Raises
    ------
    RunFileError
        ``config_toml`` is not valid TOML.
    """
    return _parse_toml(str(run.attrs.get("config_toml", "")), run.attrs.get("run_id", "?"))


def _parse_toml(text: str, where: str) -> dict:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise RunFileError(f"{where}: config_toml is not valid TOML ({exc})") from None


def _seconds(text: Any) -> float | None:
    """``"50 ms"`` -> 0.05 (the config's time strings, read by
    :func:`mgnet.models.units.parse_value`); None if it is not a time."""
    try:
        return parse_value(text, "s")
    except ValueError:
        return None


def interval_tables(run: RunData) -> dict[str, dict]:
    """Time intervals stored in a run file, in one form for Neo epochs and NWB tables.

    - ``protocol``: one interval per phase of ``/protocol`` (column ``plasticity``).
    - ``recall_cues``: one interval per recall cue, from ``/recall/t_cue`` to the end of
      the readout window (``recall_window`` of the run's options; zero length if the
      config has none); every other ``/recall`` dataset is a column.
    - ``<group>`` for every experiment-specific group with ``start`` and ``stop`` datasets
      in seconds, e.g. ``bursts`` (culture-activity's network bursts); the group's other
      datasets of the same length are columns.

    memory-encoding (and its siblings) store their encoding trains as such a group,
    ``/stimulation`` (columns ``pattern`` and ``presentation``); run files written before
    2026-12-07 lack it.

    Parameters
    ----------
    run : RunData

    Returns
    -------
    dict of str to dict
        Name -> ``{"start": ndarray (s), "stop": ndarray (s), "labels": list of str,
        "columns": {name: ndarray}, "description": str}``; empty tables are left out.
    """
    out: dict[str, dict] = {}
    if run.protocol:
        names = list(run.protocol)
        out["protocol"] = {
            "start": np.array([run.protocol[p]["t_start"] for p in names], float),
            "stop": np.array([run.protocol[p]["t_stop"] for p in names], float),
            "labels": names,
            "columns": {"plasticity": np.array([bool(run.protocol[p]["plasticity"])
                                                for p in names])},
            "description": "protocol phases of the run (/protocol); plasticity: whether "
                           "synaptic plasticity was on"}
    recall = run.recall or {}
    if "t_cue" in recall and len(recall["t_cue"]):
        t = np.asarray(recall["t_cue"], float)
        window = _seconds(config_tables(run).get("options", {}).get("recall_window"))
        cols = {k: np.asarray(v) for k, v in recall.items() if k != "t_cue"}
        labels = [f"cue {k}" for k in range(len(t))]
        if "pattern" in cols:
            frac = cols.get("cue_fraction")
            labels = [f"pattern {int(p)}" + (f" cue {frac[k]:g}" if frac is not None else "")
                      for k, p in enumerate(cols["pattern"])]
        out["recall_cues"] = {
            "start": t, "stop": t + (window or 0.0), "labels": labels, "columns": cols,
            "description": "recall cues (/recall): from the cue onset t_cue to the end of "
                           + (f"the {window * 1e3:g} ms readout window (options.recall_window)"
                              if window else "the cue onset (no readout window in config)")}
    groups: dict[str, dict] = {}
    for path, arr in run.arrays.items():
        parts = path.strip("/").split("/")
        if len(parts) == 2:
            groups.setdefault(parts[0], {})[parts[1]] = (np.asarray(arr), run.units.get(path))
    for name, cols in groups.items():
        if name in out or not {"start", "stop"} <= set(cols):
            continue
        if cols["start"][1] != "s" or cols["stop"][1] != "s":
            continue
        start, stop = cols["start"][0].astype(float), cols["stop"][0].astype(float)
        if start.ndim != 1 or start.shape != stop.shape or not len(start):
            continue
        extra = {k: a for k, (a, _) in cols.items()
                 if k not in ("start", "stop") and a.shape[:1] == start.shape}
        out[name] = {"start": start, "stop": stop,
                     "labels": [f"{name} {k}" for k in range(len(start))], "columns": extra,
                     "description": f"/{name}/start .. /{name}/stop of the run file"
                                    + (" (network bursts)" if name == "bursts" else "")}
    return out


#: Time steps tried by :func:`spike_time_resolution`, largest first (Brian2's default
#: ``defaultclock.dt`` is 0.1 ms, which every mgnet experiment uses).
_DT_CANDIDATES = (1e-3, 5e-4, 2e-4, 1e-4, 5e-5, 2.5e-5, 2e-5, 1e-5, 5e-6, 1e-6)


def spike_time_resolution(run: RunData, min_spikes: int = 20) -> float | None:
    """The simulation time step that the run's spike times lie on, if they show one.

    Run files do not record the time step, but a clock-driven simulation emits spikes on
    its grid: the largest of 1 ms, 0.5 ms, 0.2 ms, 0.1 ms, ..., 1 us of which every spike
    time is a whole multiple (to 1e-6 of a step) is returned.  With fewer than
    ``min_spikes`` spikes a coarser grid could fit by chance (all 20 spikes of a 0.1 ms
    grid on a 1 ms grid: probability 1e-20), so None is returned.

    Parameters
    ----------
    run : RunData
    min_spikes : int, default 20

    Returns
    -------
    float or None
        The resolution in s (NWB's ``Units.resolution``), or None.
    """
    times = [np.asarray(t, float) for t, _ in run.spikes.values() if len(t)]
    t = np.concatenate(times) if times else np.zeros(0)
    if t.size < min_spikes:
        return None
    for dt in _DT_CANDIDATES:
        steps = t / dt
        if np.all(np.abs(steps - np.round(steps)) < 1e-6):
            return dt
    return None


def _time_span(run: RunData) -> tuple[float, float]:
    """(t_start, t_stop) in s: the protocol's span, widened to the last spike if needed."""
    starts = [ph["t_start"] for ph in run.protocol.values()]
    stops = [ph["t_stop"] for ph in run.protocol.values()]
    last = max((float(np.max(t)) for t, _ in run.spikes.values() if len(t)), default=0.0)
    first = min((float(np.min(t)) for t, _ in run.spikes.values() if len(t)), default=0.0)
    t0 = min(starts) if starts else 0.0
    t1 = max(stops) if stops else last
    return min(t0, first), max(t1, last)


def _run_annotations(run: RunData) -> dict:
    a = run.attrs
    return {"experiment": str(a["experiment"]), "condition": str(a["condition"]),
            "seed": int(a["seed"]), "run_id": str(a["run_id"]),
            "scale": str(a.get("scale", ""))}


# --------------------------------------------------------------------------------- Neo


def to_neo(run_file: str | os.PathLike | RunData, *,
           sizes: Mapping[str, int] | None = None):
    """Convert a run file to a ``neo.Block`` for Elephant and other Neo-based tools.

    Parameters
    ----------
    run_file : str, os.PathLike or RunData
        A run file (read and validated with :func:`~mgnet.analysis.run_file.read_run`) or a
        run already read.
    sizes : mapping of str to int, optional
        Population sizes, if the run's metrics do not give them (see
        :func:`population_sizes`).

    Returns
    -------
    neo.Block
        One block (``name`` = run id, annotations experiment, condition, seed, run_id,
        scale and the run's scalar ``metrics`` as a dict) with one ``neo.Segment``
        holding:

        - ``spiketrains``: one ``neo.SpikeTrain`` per neuron of every population, in
          population order and by node id, silent neurons included (empty trains);
          times in s, ``t_start``/``t_stop`` the protocol's first start and last stop
          (widened to the last spike if a spike falls outside), name
          ``"<population>:<node id>"``, annotations ``population``, ``node_id``,
          ``experiment``, ``condition``, ``seed``, ``run_id``, ``scale``;
        - ``epochs``: one ``neo.Epoch`` per table of :func:`interval_tables`
          (``protocol``, ``recall_cues``, ``bursts``, ...), with labels and the tables'
          1-D columns as array annotations.

        ``block.groups`` has one ``neo.Group`` per population holding its spike trains.

    Raises
    ------
    MissingDependencyError
        neo (or quantities) is not installed.
    RunFileError
        The file is not a complete, valid run file.
    """
    neo = _require("neo", "to_neo")
    pq = _require("quantities", "to_neo")
    run = _as_run(run_file)
    ann = _run_annotations(run)
    t_start, t_stop = _time_span(run)
    block = neo.Block(name=ann["run_id"], description=f"mgnet run file {ann['run_id']}",
                      **ann)
    block.annotate(metrics=dict(run.metrics))
    seg = neo.Segment(name=ann["run_id"], **ann)
    block.segments.append(seg)
    for pop, n in population_sizes(run, sizes).items():
        times, ids = run.spikes[pop]
        group = neo.Group(name=pop, population=pop)
        for node, st_times in enumerate(_split_by_node(times, ids, n)):
            st = neo.SpikeTrain(st_times, units=pq.s, t_start=t_start * pq.s,
                                t_stop=t_stop * pq.s, name=f"{pop}:{node}",
                                population=pop, node_id=node, **ann)
            seg.spiketrains.append(st)
            group.add(st)
        block.groups.append(group)
    for name, tab in interval_tables(run).items():
        arr_ann = {k: v for k, v in tab["columns"].items() if np.ndim(v) == 1}
        seg.epochs.append(neo.Epoch(times=tab["start"] * pq.s,
                                    durations=(tab["stop"] - tab["start"]) * pq.s,
                                    labels=np.array(tab["labels"], dtype="U"), name=name,
                                    description=tab["description"],
                                    array_annotations=arr_ann))
    block.check_relationships()
    return block


# --------------------------------------------------------------------------------- NWB


def default_nwb_path(run_file: str | os.PathLike) -> Path:
    """``RUN.h5`` -> ``RUN.nwb`` beside it (the default of ``mgnet export-nwb``)."""
    return Path(run_file).with_suffix(".nwb")


def _json_safe(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    return value


def export_nwb(run_file: str | os.PathLike, out_path: str | os.PathLike, *,
               sizes: Mapping[str, int] | None = None,
               resolution: float | str | None = "auto") -> Path:
    """Write a run file's spikes, intervals, assemblies, metrics and provenance as NWB.

    Content of the NWB file:

    - ``units``: one unit per neuron of every population (silent ones included, see
      :func:`population_sizes`), spike times in s, columns ``population`` and
      ``node_id``; with ``/patterns/members`` also ``assemblies`` (bool, one entry per
      pattern: the neuron is a member) on the population(s) the patterns index (``exc``,
      or ``exc_p<P>``; all False for other units).
    - ``epochs``: the protocol phases (tags: the phase name; column ``plasticity``).
    - ``intervals``: ``recall_cues`` (per cue: pattern, cue_fraction, source, ...) and
      ``bursts`` or any other start/stop table of :func:`interval_tables`.
    - ``analysis/metrics``: a one-row table of the run's scalar metrics.
    - Provenance: ``session_id`` = run id; ``protocol`` = the resolved config
      (``config_toml``); ``notes`` = every other root attribute as JSON (git commit,
      dirty flag, versions, device, ...); ``was_generated_by`` = mgnet, brian2, numpy,
      python versions; ``source_script`` names the commit; ``session_start_time`` = the
      run's ``created_utc`` (the simulation's time zero).

    Parameters
    ----------
    run_file : str or os.PathLike
        A complete run file.
    out_path : str or os.PathLike
        The NWB file to write.  Written under a temporary name in the same directory
        and renamed when complete; an existing file is never overwritten.
    sizes : mapping of str to int, optional
        Population sizes if the run's metrics do not give them.
    resolution : float, "auto" or None, default "auto"
        ``units.resolution`` (s), the smallest possible difference of two spike times;
        ``"auto"``: the simulation time step the spike times lie on
        (:func:`spike_time_resolution`, 0.1 ms for the experiments' runs), left unset
        if they show none; None: unset.

    Returns
    -------
    pathlib.Path
        ``out_path``.

    Raises
    ------
    MissingDependencyError
        pynwb is not installed.
    RunFileError
        ``run_file`` is not a complete, valid run file.
    FileExistsError
        ``out_path`` exists.
    """
    pynwb = _require("pynwb", "export_nwb")
    out = Path(out_path)
    if out.exists():
        raise FileExistsError(f"{out} already exists; choose another output (--out)")
    if not out.parent.is_dir():
        raise FileNotFoundError(f"output directory {out.parent} does not exist")
    run = _as_run(run_file)
    nwb = _nwb_file(pynwb, run, run_file)
    _add_units(nwb, run, population_sizes(run, sizes), resolution)
    _add_intervals(nwb, run)
    if run.metrics:
        _add_metrics(nwb, run)
    _write_new(pynwb, nwb, out)
    return out


def _nwb_file(pynwb, run: RunData, run_file: str | os.PathLike | RunData):
    """An empty ``pynwb.NWBFile`` with the session description and provenance of ``run``
    (see :func:`export_nwb`)."""
    a = run.attrs
    ann = _run_annotations(run)
    try:
        created = datetime.datetime.fromisoformat(str(a["created_utc"]))
    except ValueError:
        created = datetime.datetime.now(datetime.timezone.utc)
    if created.tzinfo is None:
        created = created.replace(tzinfo=datetime.timezone.utc)
    provenance = {k: _json_safe(_scalar(v)) for k, v in a.items() if k != "config_toml"}
    dirty = " (dirty working tree)" if a.get("git_dirty") else ""
    return pynwb.NWBFile(
        session_description=(f"mgnet simulation: experiment {ann['experiment']}, condition "
                             f"{ann['condition']}, seed {ann['seed']}"
                             + (f", scale {ann['scale']}" if ann["scale"] else "")),
        identifier=f"mgnet:{ann['experiment']}:{ann['run_id']}:{a['created_utc']}",
        session_start_time=created,
        session_id=ann["run_id"],
        experiment_description=(f"Simulated hippocampal-like cultured network (Brian2 model "
                                f"of Mg2+-dependent synapses), mgnet experiment "
                                f"'{ann['experiment']}'"),
        protocol=str(a.get("config_toml", "")),
        notes=json.dumps({"run_file_root_attributes": provenance}, sort_keys=True),
        source_script=(f"mgnet {a.get('mgnet_version', '?')}, git commit "
                       f"{a.get('git_commit', 'unknown')}{dirty}; converted from the run "
                       f"file by mgnet.analysis.interop.export_nwb"),
        source_script_file_name=Path(str(run_file)).name if not isinstance(run_file, RunData)
        else f"{ann['run_id']}.h5",
        was_generated_by=[["mgnet", str(a.get("mgnet_version", "unknown"))],
                          ["brian2", str(a.get("brian2_version", "unknown"))],
                          ["numpy", str(a.get("numpy_version", "unknown"))],
                          ["python", str(a.get("python_version", "unknown"))],
                          ["pynwb", pynwb.__version__]],
        keywords=["mgnet", "simulation", "Brian2", "magnesium", ann["experiment"]],
    )


def _add_units(nwb, run: RunData, sizes: Mapping[str, int],
               resolution: float | str | None) -> None:
    """``nwb.units``: one unit per neuron of every population, with assembly membership
    where ``/patterns/members`` indexes the population (see :func:`export_nwb`)."""
    import pynwb.misc
    members = None if run.patterns is None else np.asarray(run.patterns, bool)
    assembly_pops = set()
    if members is not None and members.ndim == 2 and members.shape[0]:
        assembly_pops = {p for p, n in sizes.items()
                         if (p == "exc" or p.startswith("exc_")) and n == members.shape[1]}
    if resolution == "auto":
        resolution = spike_time_resolution(run)
    nwb.units = pynwb.misc.Units(
        name="units", description="one unit per simulated neuron (all populations); spike "
        "times in s from the run file's /spikes (SONATA, stored in ms)",
        **({"resolution": float(resolution)} if resolution else {}))
    nwb.add_unit_column("population", "population of the neuron (the run file's "
                                      "/spikes/<population>)")
    nwb.add_unit_column("node_id", "index of the neuron in its population (SONATA node id)")
    if assembly_pops:
        nwb.add_unit_column("assemblies", "membership in each stored cell assembly "
                                          "(/patterns/members, pattern x neuron): one bool "
                                          "per pattern")
    for pop, n in sizes.items():
        times, ids = run.spikes[pop]
        for node, st in enumerate(_split_by_node(times, ids, n)):
            row = {"spike_times": st, "population": pop, "node_id": node}
            if assembly_pops:
                row["assemblies"] = (members[:, node] if pop in assembly_pops
                                     else np.zeros(members.shape[0], bool))
            nwb.add_unit(**row)


def _add_intervals(nwb, run: RunData) -> None:
    """The protocol phases as ``epochs`` and every other :func:`interval_tables` table as
    ``intervals/<name>``."""
    from pynwb.epoch import TimeIntervals
    for name, tab in interval_tables(run).items():
        descriptions = {}
        for col in tab["columns"]:
            unit = run.units.get(_column_path(name, col))
            descriptions[col] = (f"{_column_path(name, col)} of the run file"
                                 + (f" ({unit})" if unit not in (None, "1") else ""))
        if name == "protocol":
            for col, text in descriptions.items():
                nwb.add_epoch_column(name=col, description=text)
            add = nwb.add_epoch
        else:
            table = TimeIntervals(name=name, description=tab["description"])
            for col, text in descriptions.items():
                table.add_column(name=col, description=text)
            add = table.add_interval
        for k in range(len(tab["start"])):
            add(start_time=float(tab["start"][k]), stop_time=float(tab["stop"][k]),
                tags=[tab["labels"][k]],
                **{c: _cell(v[k]) for c, v in tab["columns"].items()})
        if name != "protocol":
            nwb.add_time_intervals(table)


def _add_metrics(nwb, run: RunData) -> None:
    """``analysis/metrics``: a one-row table of the run's scalar metrics."""
    from hdmf.common import DynamicTable, VectorData
    cols = [VectorData(name=k, description=f"run metric '{k}' (/metrics)", data=[v])
            for k, v in run.metrics.items()]
    nwb.add_analysis(DynamicTable(name="metrics", description="scalar results of the run "
                                  "(/metrics of the run file; units in the names, e.g. "
                                  "_hz, _s)", columns=cols))


def _write_new(pynwb, nwb, out: Path) -> None:
    """Write ``nwb`` to ``out`` under a temporary name, then link it into place; an existing
    ``out`` is never overwritten."""
    # pynwb warns about names that do not end in .nwb, so the marker goes before it
    tmp = out.with_name(f".{out.stem}.tmp-{os.getpid()}-{secrets.token_hex(4)}{out.suffix}")
    try:
        with pynwb.NWBHDF5IO(str(tmp), "w") as io:
            io.write(nwb)
        try:
            os.link(tmp, out)       # fails if `out` appeared meanwhile: never overwrite
        except FileExistsError:
            raise
        except OSError:
            if out.exists():
                raise FileExistsError(f"{out} already exists; choose another output (--out)")
            os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)


def _column_path(table: str, col: str) -> str:
    return f"/recall/{col}" if table == "recall_cues" else f"/{table}/{col}"


def _cell(value: Any) -> Any:
    """A table cell for pynwb: numpy scalars as Python scalars, arrays unchanged."""
    return value.item() if isinstance(value, np.generic) else value


# ------------------------------------------------------------------------------ pandas


def _flatten(tables: Mapping, prefix: str = "") -> dict[str, Any]:
    out = {}
    for key, value in tables.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            out.update(_flatten(value, name + "."))
        else:
            out[name] = value
    return out


def _configured(doc: Mapping) -> dict[str, Any]:
    """``params.*`` and ``options.*`` of a config document, flattened."""
    return _flatten({k: doc[k] for k in ("params", "options") if k in doc})


def _short_hash(obj: Any) -> str:
    text = json.dumps(obj, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:_HASH_LEN]


def config_hash(config_toml: str) -> str:
    """Short hash of a resolved config's ``[params]`` and ``[options]`` tables.

    Two runs share it exactly when every parameter and option had the same value (the
    experiment, condition, seed and scale are not part of it, but a condition preset's
    parameter values and a scale's options are).

    Parameters
    ----------
    config_toml : str
        A run file's root attribute ``config_toml``.

    Returns
    -------
    str
        10 hex digits of the SHA-256 of the canonical JSON of the two tables.
    """
    return _short_hash(_configured(_parse_toml(config_toml, "config_toml")))


def changed_parameters(config_toml: str, default_toml: str) -> dict[str, Any]:
    """Parameters and options whose value differs from the default configuration.

    Parameters
    ----------
    config_toml : str
        The run's resolved config.
    default_toml : str
        The default resolved config of the same experiment, condition and scale (e.g.
        from ``mgnet.experiments.interop.default_config_toml``).

    Returns
    -------
    dict
        ``"params.<section>.<key>"`` or ``"options.<key>"`` -> the run's value (None if
        the run's config lacks a key the default has), sorted by key; ``{}`` for a run
        with the default configuration.
    """
    run = _configured(_parse_toml(config_toml, "config_toml"))
    ref = _configured(_parse_toml(default_toml, "default config"))
    keys = sorted(set(run) | set(ref))
    return {k: run.get(k) for k in keys if run.get(k) != ref.get(k)}


def _read_row(path: Path) -> tuple[dict, dict]:
    """Root attributes and metrics of a run file, read without loading its datasets."""
    try:
        with h5py.File(path, "r") as f:
            attrs = {k: _scalar(v) for k, v in f.attrs.items()}
            metrics = ({k: _scalar(v) for k, v in f["metrics"].attrs.items()}
                       if "metrics" in f else None)
    except OSError as exc:
        raise RunFileError(f"{path}: cannot be read ({exc})") from None
    if attrs.get("schema_version") not in READABLE_SCHEMA_VERSIONS:
        raise RunFileError(f"{path}: schema_version {attrs.get('schema_version')!r} is not "
                           f"readable")
    if metrics is None:
        raise RunFileError(f"{path}: missing group /metrics")
    return attrs, metrics


def load_metrics(results_dir: str | os.PathLike, *, experiment: str | None = None,
                 scale: str | None = None,
                 defaults: Callable[[str, str, str], str] | None = None,
                 validate: bool = False):
    """One table row per complete run file: run description and every scalar metric.

    Parameters
    ----------
    results_dir : str or os.PathLike
        A results directory; its ``runs/`` folder is searched recursively (or the
        directory itself if it has no ``runs/``), with
        :func:`~mgnet.analysis.run_file.list_runs`: complete files of a readable schema only,
        hidden folders (``runs/.superseded``) and temporary files skipped.
    experiment, scale : str, optional
        Keep only runs of this experiment / scale.
    defaults : callable, optional
        ``defaults(experiment, condition, scale) -> config_toml`` of the default
        configuration (``mgnet.experiments.interop.default_config_toml`` gives it; it needs
        brian2, which this module never imports).  With it, ``params_changed`` and
        ``params_hash`` say how the run departs from the defaults; without it they are
        None (also, with a warning, for runs whose defaults it cannot give, e.g. of an
        experiment since renamed).  Called once per (experiment, condition, scale).
    validate : bool, default False
        Read every file with :func:`~mgnet.analysis.run_file.read_run` (all schema checks,
        slower: it loads every dataset) instead of reading root attributes and
        ``/metrics`` only.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`RUN_COLUMNS`: ``experiment``, ``condition``, ``seed``, ``scale``
        (root attribute, else the config's), ``run_id``, ``path`` (str), ``created_utc``,
        ``git_commit``, ``config_hash`` (:func:`config_hash`: equal for runs with equal
        parameters and options), ``params_hash`` (``"defaults"`` for a run with the
        default configuration, else a 10-hex-digit hash of ``params_changed``),
        ``params_changed`` (``"key=value; ..."`` of :func:`changed_parameters`, ``""``
        for defaults); then one column per scalar metric name (a metric named like a run
        column gets the prefix ``metric_``), NaN where a run lacks it.  Rows sorted by
        experiment, scale, condition, seed, run id.

    Raises
    ------
    MissingDependencyError
        pandas is not installed.
    FileNotFoundError
        ``results_dir`` does not exist (a directory without run files gives an empty
        table with the run columns).
    RunFileError
        A listed file cannot be read (or fails validation with ``validate=True``).
    """
    pd = _require("pandas", "load_metrics")
    root = Path(results_dir)
    if not root.is_dir():
        raise FileNotFoundError(f"results directory '{root}' does not exist")
    base = root / "runs" if (root / "runs").is_dir() else root
    rows = []
    default_cache: dict[tuple, str] = {}
    for path in list_runs(base, experiment=experiment, scale=scale):
        rows.append(_metrics_row(path, validate, defaults, default_cache))
    frame = pd.DataFrame.from_records(rows, columns=None if rows else list(RUN_COLUMNS))
    if rows:
        frame = frame.sort_values(["experiment", "scale", "condition", "seed", "run_id"],
                                  kind="stable").reset_index(drop=True)
    return frame


def _metrics_row(path: Path, validate: bool,
                 defaults: Callable[[str, str, str], str] | None,
                 default_cache: dict[tuple, str]) -> dict[str, Any]:
    """One row of :func:`load_metrics` (``default_cache``: the defaults' configs so far)."""
    if validate:
        run = read_run(path)
        attrs, metrics = dict(run.attrs), dict(run.metrics)
    else:
        attrs, metrics = _read_row(path)
    toml_text = str(attrs.get("config_toml", ""))
    doc = _parse_toml(toml_text, str(path))
    row = {"experiment": attrs.get("experiment"), "condition": attrs.get("condition"),
           "seed": attrs.get("seed"), "scale": attrs.get("scale", doc.get("scale")),
           "run_id": attrs.get("run_id"), "path": str(path),
           "created_utc": attrs.get("created_utc"), "git_commit": attrs.get("git_commit"),
           "config_hash": _short_hash(_configured(doc)),
           "params_hash": None, "params_changed": None}
    if defaults is not None:
        key = (row["experiment"], row["condition"], row["scale"])
        if key not in default_cache:
            try:
                default_cache[key] = defaults(*key)
            except Exception as exc:  # noqa: BLE001 - e.g. an experiment since renamed
                warnings.warn(f"no default configuration for {key}: {exc}; "
                              f"params_hash and params_changed left empty", stacklevel=3)
                default_cache[key] = None
        if default_cache[key] is not None:
            changed = changed_parameters(toml_text, default_cache[key])
            row["params_changed"] = "; ".join(f"{k}={v}" for k, v in changed.items())
            row["params_hash"] = _short_hash(changed) if changed else "defaults"
    for name, value in metrics.items():
        row[f"metric_{name}" if name in RUN_COLUMNS else name] = value
    return row


def spikes_frame(run_file: str | os.PathLike | RunData):
    """Every spike of a run as one table row.

    Parameters
    ----------
    run_file : str, os.PathLike or RunData
        A run file or a run already read with :func:`~mgnet.analysis.run_file.read_run`.

    Returns
    -------
    pandas.DataFrame
        Columns ``population`` (categorical, in the run's population order),
        ``node_id`` (int64) and ``time_s`` (float64, seconds), one row per spike,
        populations one after the other and each in its stored order (by time for the
        experiments' files).

    Raises
    ------
    MissingDependencyError
        pandas is not installed.
    RunFileError
        The file is not a complete, valid run file.
    """
    pd = _require("pandas", "spikes_frame")
    run = _as_run(run_file)
    pops = list(run.spikes)
    counts = [len(run.spikes[p][0]) for p in pops]
    times = (np.concatenate([np.asarray(run.spikes[p][0], float) for p in pops])
             if pops else np.zeros(0))
    ids = (np.concatenate([np.asarray(run.spikes[p][1], np.int64) for p in pops])
           if pops else np.zeros(0, np.int64))
    codes = np.repeat(np.arange(len(pops)), counts)
    return pd.DataFrame({"population": pd.Categorical.from_codes(codes, categories=pops),
                         "node_id": ids, "time_s": times})
