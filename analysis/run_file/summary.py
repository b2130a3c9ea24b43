"""Describing a run file: ``mgnet info FILE`` (:func:`summarize`) and ``mgnet info --json``
(:func:`summary`).  Never imports brian2."""

from __future__ import annotations

import math
import os
from typing import Any

import numpy as np

from . import schema
from .data import RunData, RunFileError, to_python
from .read import inspect, message
from .validate import datasets

__all__ = ["summary", "summarize"]


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
    value = to_python(value)
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, np.ndarray):
        return [_jsonable(v) for v in value.tolist()]
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return value


def _dataset_rows(data: RunData, missing: str | None) -> list[tuple[str, tuple, str, Any]]:
    """(path, shape, dtype, unit) of every dataset, the unit as stored in the file (schema-2
    spike times: ms); ``missing`` for a dataset without a unit."""
    version = data.attrs.get("schema_version")
    rows = []
    for ds_path, arr in datasets(data):
        arr = np.asarray(arr)
        unit = data.units.get(ds_path, missing)
        g = schema.group(ds_path.strip("/").split("/")[0])
        col = g.column_path(ds_path) if g is not None else None
        if col is not None and col.stored and version in schema.READABLE_SCHEMA_VERSIONS:
            unit = col.stored_unit(version)  # describe the file
        rows.append((ds_path, arr.shape, str(arr.dtype), unit))
    return rows


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
    data, problems = inspect(path)
    if data is None:
        raise RunFileError(message(path, problems or ["cannot be read"]))
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
    out["datasets"] = [{"path": p, "shape": list(shape), "dtype": dtype, "units": unit}
                       for p, shape, dtype, unit in _dataset_rows(data, None)]
    out["metrics"] = {k: _jsonable(v) for k, v in data.metrics.items()}
    if show_config:
        text = str(a.get("config_toml", ""))
        try:
            import tomllib
            out["config"] = tomllib.loads(text)
        except ValueError:  # tomllib.TOMLDecodeError
            out["config"] = text
    return out


def _identity_lines(a: dict) -> list[str]:
    """Identity, provenance and extra root attributes of :func:`summarize`."""

    def attr(name: str) -> str:
        return _fmt_value(a[name]) if name in a else "?"

    lines = [
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
    required = schema.required_root_attrs()
    lines += [f"  {name:<12} {_fmt_value(a[name])}" for name in a if name not in required]
    return lines


def _protocol_lines(protocol: dict, span: tuple[float, float] | None) -> list[str]:
    if not protocol:
        return []
    head = f"protocol ({len(protocol)} phases"
    head += f", {span[0]:g}-{span[1]:g} s):" if span else "):"
    lines = [head]
    for phase, spec in protocol.items():
        if not isinstance(spec, dict):
            continue
        plast = "plasticity on" if spec.get("plasticity") else "plasticity off"
        lines.append(f"  {phase:<14} {_fmt_value(spec.get('t_start'))}-"
                     f"{_fmt_value(spec.get('t_stop'))} s  {plast}")
    return lines


def _spike_lines(spikes: dict, span: tuple[float, float] | None) -> list[str]:
    if not spikes:
        return []
    lines = ["spikes:"]
    for pop, (ts, ids) in spikes.items():
        n = len(ts)
        n_nodes = len(np.unique(ids)) if ids.size else 0
        text = f"  {pop:<14} {n} spikes from {n_nodes} nodes"
        if span:
            duration = span[1] - span[0]
            text += f"; {n / duration:.4g} spikes/s over {duration:g} s"
            if n_nodes:
                text += f", {n / duration / n_nodes:.4g} Hz per spiking node"
        lines.append(text)
    return lines


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
    data, problems = inspect(path)
    if data is None:
        raise RunFileError(message(path, problems or ["cannot be read"]))
    a = data.attrs
    span = _phase_span(data.protocol)
    lines = [f"{path}", *_identity_lines(a), *_protocol_lines(data.protocol, span),
             *_spike_lines(data.spikes, span)]

    rows = _dataset_rows(data, "no units!")
    if rows:
        lines.append("datasets:")
        width = max(len(row[0]) for row in rows)
        for ds_path, shape, dtype, unit in rows:
            lines.append(f"  {ds_path:<{width}}  {str(shape):<12} {dtype:<8} [{unit}]")

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
