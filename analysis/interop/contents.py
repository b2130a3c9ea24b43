"""What a run file holds, in the terms the field's tools use: population sizes, per-neuron
spike trains, config tables, interval tables (protocol phases, recall cues, bursts), the
spike-time resolution and the run's annotations.
"""
from __future__ import annotations

import tomllib
from collections.abc import Mapping
from typing import Any

import numpy as np

from mgnet.models.units import parse_value

from ..run_file import RunData, RunFileError

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
