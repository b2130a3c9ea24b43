"""Checks of a run's content, driven by the table of :mod:`.schema`.

The same checks run on data about to be written (:func:`content_problems` with
``writing=True``) and on data read from a file, so a file that was written always reads.
Every function here consults :mod:`.schema` when it runs.  Never imports brian2.
"""

from __future__ import annotations

import datetime
import math
from typing import Any

import numpy as np

from . import schema
from .data import RunData, as_array, is_bool, is_int, is_scalar_attr, readable_text, valid_name

__all__ = ["datasets", "resolve_units", "content_problems", "unit_problems"]


# ------------------------------------------------------------------ dataset listing


def datasets(data: RunData) -> list[tuple[str, Any]]:
    """Every (HDF5 path, array) the RunData maps to, in writing order."""
    out: list[tuple[str, Any]] = []
    for g in schema.GROUPS:
        value = getattr(data, g.field)
        if g.layout == "populations":
            for pop, pair in value.items():
                out.extend((f"/{g.name}/{pop}/{c.name}", arr) for c, arr in zip(g.columns, pair, strict=True))
        elif g.layout in ("table", "trials"):
            out.extend((f"/{g.name}/{col}", arr) for col, arr in (value or {}).items())
        elif g.layout == "pathways":
            for pathway, table in value.items():
                out.extend((f"/{g.name}/{pathway}/{col}", arr) for col, arr in table.items())
        elif g.layout == "single" and value is not None:
            out.append((f"/{g.name}/{g.columns[0].name}", value))
    out.extend(data.arrays.items())
    return out


def resolve_units(data: RunData, paths: list[str], problems: list[str]) -> dict[str, str]:
    """Unit of every dataset path; report missing, conflicting and orphan entries."""
    resolved: dict[str, str] = {}
    given = data.units if isinstance(data.units, dict) else {}
    if not isinstance(data.units, dict):
        problems.append("units must be a dict of dataset path -> unit string")
    for path in paths:
        default = schema.fixed_unit(path)
        unit = given.get(path)
        if unit is not None and (not isinstance(unit, str) or not unit.strip()):
            problems.append(f"units for dataset {path} must be a non-empty string, got {unit!r}")
            continue
        if default is not None and unit is not None and unit != default:
            # Standard columns have one unit in the schema so that analysis code can
            # rely on it without looking; a different unit is a silent scale error.
            problems.append(f"dataset {path} must be in {default!r}, not {unit!r}")
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


def unit_problems(units: dict[str, str], problems: list[str]) -> None:
    """Units read from a file, checked against the schema (missing ones are reported
    while reading)."""
    for path, unit in units.items():
        default = schema.fixed_unit(path)
        if not isinstance(unit, str) or not unit.strip():
            problems.append(f"dataset {path} has an empty or non-string units attribute")
        elif default is not None and unit != default:
            problems.append(f"dataset {path} must be in {default!r}, not {unit!r}")


# ------------------------------------------------------------------ root attributes


def _attr_type_problem(spec: schema.Attribute | None, name: str, value: Any) -> str | None:
    if spec is None:
        if not is_scalar_attr(value):
            return (f"root attribute {name!r} must be a str, int, float or bool, "
                    f"got {type(value).__name__}")
        return None
    ok = {"int": is_int, "bool": is_bool, "str": lambda v: isinstance(v, str)}[spec.type](value)
    article = {"int": "an integer", "bool": "a bool", "str": "a string"}[spec.type]
    return None if ok else f"root attribute {name!r} must be {article}, got {value!r}"


def _attr_value_problem(spec: schema.Attribute, value: Any) -> str | None:
    name = spec.name
    if spec.check == "readable_version" and value not in schema.READABLE_SCHEMA_VERSIONS:
        return f"schema_version {value}; this mgnet reads {readable_text()}"
    if spec.check == "positive" and value < 1:
        return f"root attribute {name!r} must be >= 1, got {value}"
    if spec.check == "nonempty" and not value.strip():
        return f"root attribute {name!r} is empty"
    if spec.check == "iso_time":
        try:
            datetime.datetime.fromisoformat(value)
        except ValueError:
            return f"root attribute {name!r} is not an ISO 8601 time: {value!r}"
    return None


def check_root_attrs(attrs: Any, problems: list[str], *, writing: bool) -> None:
    if not isinstance(attrs, dict):
        problems.append("attrs must be a dict of root attributes")
        return
    specs = {a.name: a for a in schema.ROOT_ATTRIBUTES}
    for spec in schema.ROOT_ATTRIBUTES:
        if spec.name not in attrs and not (writing and spec.writer_sets):
            problems.append(f"missing root attribute {spec.name!r}")
    for name, value in attrs.items():
        if not isinstance(name, str) or not name:
            problems.append(f"root attribute name {name!r} is not a non-empty string")
            continue
        spec = specs.get(name)
        if writing and spec is not None and spec.writer_sets and spec.check is None:
            continue  # the writer sets it, whatever the caller says
        problem = _attr_type_problem(spec, name, value)
        if problem is None and spec is not None:
            problem = _attr_value_problem(spec, value)
        if problem is not None:
            problems.append(problem)


# ------------------------------------------------------------------ column checks


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
        problems.append(f"{where} must lie in [0, 1]; {n} value(s) outside, e.g. {arr[bad][0]!r}")


def _check_count(where: str, arr: np.ndarray, problems: list[str]) -> None:
    if arr.dtype.kind in "iu":
        bad = arr < 0
    elif arr.dtype.kind == "f":
        bad = ~(np.isfinite(arr) & (arr >= 0) & (arr == np.round(arr)))
    else:
        problems.append(f"{where} must hold whole numbers, has dtype {arr.dtype}")
        return
    if np.any(bad):
        problems.append(
            f"{where} must hold non-negative whole numbers; {int(np.count_nonzero(bad))} do not")


def _check_index(where: str, arr: np.ndarray, problems: list[str]) -> None:
    if arr.dtype.kind not in "iu":
        problems.append(f"{where} must be integers, has dtype {arr.dtype}")
    elif np.any(arr < 0):
        problems.append(f"{where} must be >= 0")


_CHECKERS = {
    "index": _check_index,
    "probability": _check_probability,
    "probability_or_nan": lambda w, a, p: _check_probability(w, a, p, allow_nan=True),
    "count": _check_count,
}


def check_columns(where: str, g: schema.Group, cols: dict[str, np.ndarray],
                  problems: list[str]) -> None:
    """Apply each standard column's check (in the order of :data:`schema.CHECKS`)."""
    for kind in schema.CHECKS:
        for col in g.columns:
            if col.check != kind:
                continue
            for name in cols:
                if col.matches(name):
                    _CHECKERS[kind](f"{where}/{name}", cols[name], problems)


def check_table(where: str, table: Any, problems: list[str], *,
                first_axis_only: bool = False) -> dict[str, np.ndarray]:
    """Convert a column table, checking names, dtypes and equal lengths."""
    if not isinstance(table, dict):
        problems.append(f"{where} must be a dict of column name -> array")
        return {}
    out: dict[str, np.ndarray] = {}
    for col, value in table.items():
        if not valid_name(col):
            problems.append(f"{where} has an invalid column name {col!r}")
            continue
        arr = as_array(value, f"{where}/{col}", problems)
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


def _check_columns_table(g: schema.Group, where: str, table: Any, problems: list[str]) -> None:
    cols = check_table(where, table, problems, first_axis_only=g.layout == "trials")
    if isinstance(table, dict):
        for col in g.columns:
            if col.required and col.name not in table:
                problems.append(f"{where} is missing column {col.name!r}")
    check_columns(where, g, cols, problems)


# ------------------------------------------------------------------ group layouts


def _check_spikes(g: schema.Group, spikes: Any, problems: list[str]) -> None:
    if not isinstance(spikes, dict):
        problems.append("spikes must be a dict of population -> (timestamps, node_ids)")
        return
    for pop, pair in spikes.items():
        where = f"/{g.name}/{pop}"
        if not valid_name(pop):
            problems.append(f"invalid spike population name {pop!r}")
            continue
        if not isinstance(pair, (tuple, list)) or len(pair) != 2:
            problems.append(f"{where} must be a (timestamps, node_ids) pair")
            continue
        ts = as_array(pair[0], f"{where}/timestamps", problems)
        ids = as_array(pair[1], f"{where}/node_ids", problems)
        if ts is None or ids is None:
            continue
        if ts.ndim != 1 or ids.ndim != 1:
            problems.append(f"{where} timestamps and node_ids must be 1-D")
            continue
        if len(ts) != len(ids):
            problems.append(f"{where} has {len(ts)} timestamps but {len(ids)} node_ids")
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


def _check_phase(where: str, spec: dict, problems: list[str]) -> None:
    keys = schema.PROTOCOL_KEYS
    for key in spec:
        if key not in keys:
            problems.append(f"{where} has unknown key {key!r} (allowed: {', '.join(keys)})")
    missing = [k for k in keys if k not in spec]
    if missing:
        problems.append(f"{where} is missing {', '.join(missing)}")
        return
    times = []
    for key in ("t_start", "t_stop"):
        value = spec[key]
        if is_bool(value) or not isinstance(value, (int, float, np.integer, np.floating)):
            problems.append(f"{where} {key} must be a number of seconds, got {value!r}")
        elif not math.isfinite(value) or value < 0:
            problems.append(f"{where} {key} must be finite and >= 0, got {value!r}")
        else:
            times.append(float(value))
    if len(times) == 2 and times[0] > times[1]:
        problems.append(f"{where} has t_start {times[0]} s > t_stop {times[1]} s")
    if not is_bool(spec["plasticity"]):
        problems.append(f"{where} plasticity must be a bool, got {spec['plasticity']!r}")


def _check_protocol(g: schema.Group, protocol: Any, problems: list[str]) -> None:
    if not isinstance(protocol, dict):
        problems.append("protocol must be a dict of phase -> {t_start, t_stop, plasticity}")
        return
    for phase, spec in protocol.items():
        if not valid_name(phase):
            problems.append(f"invalid protocol phase name {phase!r}")
        elif not isinstance(spec, dict):
            problems.append(f"/{g.name}/{phase} must be a dict with t_start, t_stop, plasticity")
        else:
            _check_phase(f"/{g.name}/{phase}", spec, problems)


def _check_pathways(g: schema.Group, pathways: Any, problems: list[str]) -> None:
    if not isinstance(pathways, dict):
        problems.append(f"{g.field} must be a dict of pathway -> column table")
        return
    for pathway, table in pathways.items():
        if not valid_name(pathway):
            problems.append(f"invalid synapse pathway name {pathway!r}")
            continue
        _check_columns_table(g, f"/{g.name}/{pathway}", table, problems)


def _check_single(g: schema.Group, value: Any, problems: list[str]) -> None:
    where = f"/{g.name}/{g.columns[0].name}"
    members = as_array(value, where, problems)
    if members is not None and (members.dtype.kind != "b" or members.ndim != 2):
        problems.append(
            f"{where} must be a 2-D boolean (pattern x neuron) array, "
            f"has dtype {members.dtype} and shape {members.shape}")


def _check_scalar_dict(where: str, values: Any, problems: list[str]) -> None:
    if not isinstance(values, dict):
        problems.append(f"{where} must be a dict of name -> scalar")
        return
    for name, value in values.items():
        if not isinstance(name, str) or not name:
            problems.append(f"{where} has an invalid name {name!r}")
        elif not is_scalar_attr(value):
            problems.append(
                f"{where} {name!r} must be a str, int, float or bool, got {type(value).__name__}")


def _check_array_paths(arrays: Any, problems: list[str]) -> None:
    if not isinstance(arrays, dict):
        problems.append("arrays must be a dict of absolute HDF5 path -> array")
        return
    ok = []
    reserved = schema.reserved_groups()
    for path, value in arrays.items():
        if not isinstance(path, str) or not path.startswith("/"):
            problems.append(f"array path {path!r} must be an absolute HDF5 path like '/group/name'")
            continue
        parts = path[1:].split("/")
        if not all(valid_name(p) for p in parts):
            problems.append(f"array path {path!r} has an empty or invalid component")
            continue
        if parts[0] in reserved:
            problems.append(f"array path {path!r} is inside the reserved group /{parts[0]}; "
                            "use the matching RunData field")
            continue
        if as_array(value, path, problems) is not None:
            ok.append(path)
    # A dataset cannot also be a group: "/a/b" and "/a/b/c" cannot both exist.
    for path in ok:
        for other in ok:
            if other.startswith(path + "/"):
                problems.append(f"array path {path!r} is also used as a group by {other!r}")


def _check_group(g: schema.Group, value: Any, problems: list[str]) -> None:
    if g.layout == "populations":
        _check_spikes(g, value, problems)
    elif g.layout == "pathways":
        _check_pathways(g, value, problems)
    elif g.layout == "phases":
        _check_protocol(g, value, problems)
    elif g.layout == "attributes":
        _check_scalar_dict(f"/{g.name}", value, problems)
    elif value is None:
        return  # an optional group the run did not produce
    elif g.layout in ("table", "trials"):
        _check_columns_table(g, f"/{g.name}", value, problems)
    elif g.layout == "single":
        _check_single(g, value, problems)


def content_problems(data: RunData, *, writing: bool, check_units: bool = True) -> list[str]:
    """Every problem with the content of ``data``; empty when it can be written."""
    problems: list[str] = []
    check_root_attrs(data.attrs, problems, writing=writing)
    for g in schema.GROUPS:
        _check_group(g, getattr(data, g.field), problems)
    _check_array_paths(data.arrays, problems)
    if check_units and not problems:
        # Units only make sense once every dataset path is well formed.
        resolve_units(data, [p for p, _ in datasets(data)], problems)
    return problems
