"""A run file as NWB (pynwb): units, epochs and intervals, the metrics table and the
run's provenance, written atomically without overwriting.
"""
from __future__ import annotations

import datetime
import json
import math
import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from ..run_file import RunData
from .base import _as_run, _require, _scalar
from .contents import (
    _run_annotations,
    _split_by_node,
    interval_tables,
    population_sizes,
    spike_time_resolution,
)

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
        created = datetime.datetime.now(datetime.UTC)
    if created.tzinfo is None:
        created = created.replace(tzinfo=datetime.UTC)
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
                raise FileExistsError(f"{out} already exists; choose another output (--out)") from None
            os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)


def _column_path(table: str, col: str) -> str:
    return f"/recall/{col}" if table == "recall_cues" else f"/{table}/{col}"


def _cell(value: Any) -> Any:
    """A table cell for pynwb: numpy scalars as Python scalars, arrays unchanged."""
    return value.item() if isinstance(value, np.generic) else value
