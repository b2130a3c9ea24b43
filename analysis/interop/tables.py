"""Runs and spikes as pandas tables: one row per run (description, config hashes, changed
parameters, every scalar metric) and one row per spike.
"""
from __future__ import annotations

import hashlib
import json
import os
import warnings
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import h5py
import numpy as np

from ..run_file import READABLE_SCHEMA_VERSIONS, RunData, RunFileError, list_runs, read_run
from .base import _as_run, _require, _scalar
from .contents import _parse_toml

#: Columns of :func:`load_metrics` that describe the run; every other column is a metric.
RUN_COLUMNS = ("experiment", "condition", "seed", "scale", "run_id", "path", "created_utc",
               "git_commit", "config_hash", "params_hash", "params_changed")
_HASH_LEN = 10


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
