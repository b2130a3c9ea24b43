"""Experiment configuration: TOML files with unit strings, validated without ``eval``.

A config file looks like::

    experiment = "synapse-check"
    condition = "baseline"          # a preset of mgnet.models.parameters.CONDITIONS
    seed = 0
    scale = "quick"                 # quick | default | paper

    [params.magnesium]              # overrides of mgnet.models.parameters dataclasses
    mg_o = "1.0 mM"

    [options]                       # options of the experiment (its OPTIONS dataclass)
    n_contacts = 12

Quantities are written as ``"<number> <unit>"`` where the unit is a product/quotient
of Brian2 unit names with optional integer powers (``"0.8 mM"``, ``"2 s"``,
``"0.062 1/mV"``, ``"5 nS/um^2"``).  The parser looks names up in Brian2's table of
units and never evaluates text.  Every key, dimension and range is checked against
the dataclass field metadata declared with :func:`mgnet.models.parameters.param`; any
problem raises :class:`ConfigError` with one line naming the key and what is allowed.
The quantity strings are read and written by :mod:`mgnet.experiments.quantities`.
"""
from __future__ import annotations

import dataclasses
import json
import math
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from brian2 import Quantity, get_dimensions

from mgnet.models.parameters import CONDITIONS, PLASTICITY_PRESETS, ModelParams, with_overrides
from mgnet.models.parameters import condition as condition_params

from . import registry as _registry
from .errors import ConfigError

# The quantity strings of config files, in a module of their own (re-exported here).
from .quantities import format_quantity, parse_quantity
from .scales import SCALES

__all__ = ["ConfigError", "RunConfig", "SCALES", "parse_quantity", "format_quantity",
           "coerce_value", "parse_options", "parse_sets", "merge_sets", "load_config",
           "from_toml", "make_config", "to_toml", "toml_value"]


# --------------------------------------------------------------------------------------
# Dataclass-driven validation
# --------------------------------------------------------------------------------------
def _describe_range(meta: dict) -> str:
    low, high = meta.get("low"), meta.get("high")
    if meta.get("choices"):
        return "one of " + ", ".join(map(str, meta["choices"]))
    parts = []
    if low is not None:
        parts.append(f">= {format_quantity(low) if isinstance(low, Quantity) else low}")
    if high is not None:
        parts.append(f"<= {format_quantity(high) if isinstance(high, Quantity) else high}")
    return " and ".join(parts) if parts else "any value"


def coerce_value(key: str, raw: Any, default: Any, meta: dict) -> Any:
    """Check one raw TOML value against a field default and its metadata.

    Raises
    ------
    ConfigError
        Wrong type, wrong dimension or out of range; the message names ``key``.
    """
    allowed = _describe_range(meta)
    if isinstance(default, Quantity):
        if isinstance(raw, (int, float)) and not isinstance(raw, bool) and \
                default.is_dimensionless:
            value = Quantity(float(raw))
        else:
            try:
                value = parse_quantity(raw)
            except ConfigError as exc:
                raise ConfigError(f"{key}: {exc}; expected a quantity like "
                                  f"'{format_quantity(default)}'") from None
        if get_dimensions(value) != get_dimensions(default):
            raise ConfigError(f"{key}: '{raw}' has the wrong unit; expected a quantity "
                              f"like '{format_quantity(default)}'")
        if not math.isfinite(float(value)):
            raise ConfigError(f"{key}: value must be finite; allowed: {allowed}")
        low, high = meta.get("low"), meta.get("high")
        if (low is not None and value < low) or (high is not None and value > high):
            raise ConfigError(f"{key} = '{raw}' is out of range; allowed: {allowed}")
        return value
    if isinstance(default, bool):
        if not isinstance(raw, bool):
            raise ConfigError(f"{key}: expected true or false, got {raw!r}")
        return raw
    if isinstance(default, (int, float)) and not isinstance(default, bool):
        if isinstance(raw, bool) or not isinstance(raw, (int, float)):
            raise ConfigError(f"{key}: expected a number, got {raw!r}; allowed: {allowed}")
        if isinstance(default, int) and not isinstance(raw, int):
            raise ConfigError(f"{key}: expected an integer, got {raw!r}")
        if not math.isfinite(raw):
            raise ConfigError(f"{key}: value must be finite; allowed: {allowed}")
        low, high = meta.get("low"), meta.get("high")
        if (low is not None and raw < low) or (high is not None and raw > high):
            raise ConfigError(f"{key} = {raw} is out of range; allowed: {allowed}")
        return type(default)(raw)
    if isinstance(default, str):
        if not isinstance(raw, str):
            raise ConfigError(f"{key}: expected a string, got {raw!r}")
        if meta.get("choices") and raw not in meta["choices"]:
            raise ConfigError(f"{key} = '{raw}' is not allowed; allowed: {allowed}")
        return raw
    if isinstance(default, tuple):
        if not isinstance(raw, list):
            raise ConfigError(f"{key}: expected a list, got {raw!r}")
        item_meta = dict(meta)
        proto = default[0] if default else 0.0
        return tuple(coerce_value(f"{key}[{n}]", r, proto, item_meta)
                     for n, r in enumerate(raw))
    raise ConfigError(f"{key}: unsupported parameter type")  # pragma: no cover


def _apply_table(prefix: str, cls, table: dict) -> dict:
    if not isinstance(table, dict):
        raise ConfigError(f"[{prefix}] must be a table")
    fields = {f.name: f for f in dataclasses.fields(cls)}
    out = {}
    for key, raw in table.items():
        if key not in fields:
            raise ConfigError(f"unknown key '{prefix}.{key}'; allowed: {', '.join(fields)}")
        f = fields[key]
        default = f.default_factory() if f.default is dataclasses.MISSING else f.default
        out[key] = coerce_value(f"{prefix}.{key}", raw, default, dict(f.metadata))
    return out


def parse_options(options_cls, table: dict, base=None):
    """Validate an ``[options]`` table against an experiment's OPTIONS dataclass."""
    values = _apply_table("options", options_cls, table or {})
    base = base if base is not None else options_cls()
    return dataclasses.replace(base, **values)


# --------------------------------------------------------------------------------------
# Run configuration
# --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class RunConfig:
    """A fully resolved, validated configuration of one run."""
    experiment: str
    condition: str
    seed: int
    scale: str
    params: ModelParams
    options: Any
    # What the user changed, for the record; two configs that resolve to the same values
    # describe the same run, so it takes no part in equality.
    param_overrides: dict = field(default_factory=dict, compare=False)

    def to_toml(self) -> str:
        """The fully resolved config (every parameter and option) as TOML."""
        return to_toml(self)


_TOP_KEYS = {"experiment", "condition", "seed", "scale", "params", "options"}


def make_config(experiment: str, *, condition: str = "baseline", seed: int = 0,
                scale: str = "default", params: dict | None = None,
                options: dict | None = None, registry=None) -> RunConfig:
    """Validate and resolve a configuration given as plain (TOML-like) values.

    ``registry`` (anything with ``get(name) -> Experiment``) replaces
    :mod:`mgnet.experiments.registry`, e.g. for an experiment that is not in the package.
    """
    exp = (registry or _registry).get(experiment)
    if condition not in CONDITIONS:
        raise ConfigError(f"unknown condition '{condition}'; allowed: {', '.join(CONDITIONS)}")
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 2 ** 31:
        raise ConfigError(f"seed = {seed!r} is not allowed; allowed: an integer 0 .. 2^31-1")
    if scale not in SCALES:
        raise ConfigError(f"unknown scale '{scale}'; allowed: {', '.join(SCALES)}")
    base = condition_params(condition)
    overrides = {}
    params = params or {}
    if not isinstance(params, dict):
        raise ConfigError("[params] must be a table of parameter sections")
    sections = {f.name: f for f in dataclasses.fields(ModelParams)}
    used = exp.param_sections or tuple(sections)
    for section, table in params.items():
        if section not in sections:
            raise ConfigError(f"unknown parameter section 'params.{section}'; allowed: "
                              f"{', '.join(sections)}")
        if section not in used:
            # Refused unless it only restates the values the run has anyway (a written-out
            # resolved config names every section).
            vals = _apply_table(f"params.{section}", type(getattr(base, section)), table)
            cur = getattr(base, section)
            if any(repr(v) != repr(getattr(cur, k)) for k, v in vals.items()):
                raise ConfigError(f"[params.{section}] is not used by experiment "
                                  f"'{experiment}' (it reads: {', '.join(used)})")
            continue
        if section == "plasticity" and isinstance(table, dict) and "preset" in table:
            # A preset name resolves into all its values; the other keys override.
            name = table["preset"]
            if name not in PLASTICITY_PRESETS:
                raise ConfigError(f"params.plasticity.preset = {name!r} is not allowed; "
                                  f"allowed: {', '.join(PLASTICITY_PRESETS)}")
            base = dataclasses.replace(base, plasticity=PLASTICITY_PRESETS[name])
        overrides[section] = _apply_table(f"params.{section}", type(getattr(base, section)),
                                          table)
    model_params = with_overrides(base, overrides)
    if isinstance(options, dict) and "plasticity" in options and not any(
            f.name == "plasticity" for f in dataclasses.fields(exp.options)):
        raise ConfigError("options.plasticity is not an option of this experiment; choose "
                          "the rule with [params.plasticity] preset = NAME")
    opts = parse_options(exp.options, options or {}, base=exp.scale_options(scale))
    if exp.check_options is not None:
        exp.check_options(opts)
    if exp.resolve_params is not None:
        # A protocol choice that stands for physical values (e.g. the chronic GluN2B
        # fraction of a condition) resolves into parameters here, once, so that the run
        # file's resolved config holds the values actually used.
        model_params = exp.resolve_params(model_params, opts, condition, overrides)
    return RunConfig(experiment, condition, seed, scale, model_params, opts, overrides)


# --------------------------------------------------------------------------------------
# Command-line overrides: --set section.key=value
# --------------------------------------------------------------------------------------
_SET_HELP = ("expected SECTION.KEY=VALUE, e.g. magnesium.mg_o=1.2mM, "
             "params.magnesium.mg_o='1.2 mM' or options.n_connections=5")


def _set_value(text: str) -> Any:
    """The value of one ``--set``: a TOML value if it is one (``5``, ``0.3``, ``true``,
    ``[0.2, 0.5]``, ``"1.2 mM"``), else the text itself (``1.2 mM``, ``runtime``)."""
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text.strip()


def parse_sets(items) -> dict:
    """``--set`` items into the tables of a config file.

    ``options.KEY=VALUE`` is ``[options] KEY = VALUE``; ``params.SECTION.KEY=VALUE`` and
    its short form ``SECTION.KEY=VALUE`` are ``[params.SECTION] KEY = VALUE``.  Values
    are read as TOML values, or as plain text when they are not one, so both
    ``magnesium.mg_o=1.2mM`` and ``magnesium.mg_o="1.2 mM"`` work.  Keys, units and
    ranges are checked later, by :func:`make_config`, exactly as in a config file.

    Returns
    -------
    dict
        ``{"params": {section: {key: value}}, "options": {key: value}}`` (only the
        tables that were set).

    Raises
    ------
    ConfigError
        Malformed item, unknown section, or the same key set twice.
    """
    sections = [f.name for f in dataclasses.fields(ModelParams)]
    out: dict = {}
    seen = set()
    for item in items or ():
        key, sep, raw = str(item).partition("=")
        parts = key.strip().split(".")
        if len(parts) == 1 and parts[0].strip() in ("condition", "seed", "scale"):
            raise ConfigError(f"bad --set '{item}': {parts[0].strip()} has its own option; "
                              f"allowed: --{parts[0].strip()}")
        if not sep or not all(parts) or len(parts) not in (2, 3):
            raise ConfigError(f"bad --set '{item}'; {_SET_HELP}")
        if len(parts) == 2 and parts[0] == "options":
            prefix, table = "options", out.setdefault("options", {})
        else:
            if len(parts) == 3 and parts[0] != "params":
                raise ConfigError(f"bad --set '{item}'; {_SET_HELP}")
            section = parts[-2]
            if section not in sections:
                raise ConfigError(f"bad --set '{item}': unknown section '{section}'; "
                                  f"allowed: options, {', '.join(sections)}")
            prefix = f"params.{section}"
            table = out.setdefault("params", {}).setdefault(section, {})
        name = f"{prefix}.{parts[-1]}"
        if name in seen:
            raise ConfigError(f"--set {name} is given twice; allowed: once")
        seen.add(name)
        table[parts[-1]] = _set_value(raw)
    return out


def merge_sets(data: dict, sets: dict) -> dict:
    """A copy of config-file ``data`` with the :func:`parse_sets` tables laid over it
    (a ``--set`` wins over the file's value of the same key)."""
    data = dict(data)
    if sets.get("options"):
        base = data.get("options", {})
        if not isinstance(base, dict):
            raise ConfigError("[options] must be a table")
        data["options"] = {**base, **sets["options"]}
    if sets.get("params"):
        params = data.get("params", {})
        if not isinstance(params, dict):
            raise ConfigError("[params] must be a table of parameter sections")
        params = dict(params)
        for section, table in sets["params"].items():
            base = params.get(section, {})
            if not isinstance(base, dict):
                raise ConfigError(f"[params.{section}] must be a table")
            params[section] = {**base, **table}
        data["params"] = params
    return data


def load_config(path: str | Path, *, experiment: str | None = None, sets: dict | None = None,
                **cli) -> RunConfig:
    """Load a TOML config file; command-line values in ``cli`` and the ``--set``
    tables ``sets`` (:func:`parse_sets`) take precedence.

    Raises
    ------
    ConfigError
        Missing file, TOML syntax error, unknown key, wrong unit, out-of-range value.
    """
    path = Path(path)
    if not path.exists():
        raise ConfigError(f"config file '{path}' does not exist")
    if not path.is_file():
        raise ConfigError(f"config file '{path}' is not a file")
    try:
        data = tomllib.loads(path.read_text())
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc})") from None
    unknown = set(data) - _TOP_KEYS
    if unknown:
        raise ConfigError(f"unknown key '{sorted(unknown)[0]}' in {path}; allowed: "
                          f"{', '.join(sorted(_TOP_KEYS))}")
    exp_name = experiment or data.get("experiment")
    if data.get("experiment") and experiment and data["experiment"] != experiment:
        raise ConfigError(f"{path} is for experiment '{data['experiment']}', not "
                          f"'{experiment}'")
    if not exp_name:
        raise ConfigError(f"{path}: no experiment named (key 'experiment')")
    kwargs = {k: data[k] for k in ("condition", "seed", "scale") if k in data}
    kwargs.update({k: v for k, v in cli.items() if v is not None})
    if sets:
        data = merge_sets(data, sets)
    return make_config(exp_name, params=data.get("params"), options=data.get("options"),
                       **kwargs)


# --------------------------------------------------------------------------------------
# TOML writer (tomllib only reads)
# --------------------------------------------------------------------------------------
def toml_value(v) -> str:
    """One TOML value (the right-hand side of ``key = value``): the one TOML writer of the
    package (issue 16), used by run configs, sweep configs, option docs and every
    calibration file (calibrate, calibrate-culture, calibrate-glun2b, calibrate-memory).

    - bool (also numpy bool) -> ``true`` / ``false``
    - Brian2 quantity -> its :func:`format_quantity` string, quoted (``"0.8 mM"``)
    - int (also numpy integer) -> ``12``
    - float (also numpy floating) -> ``repr(float(v))``, which round-trips bit for bit;
      non-finite values as TOML's ``nan``, ``inf``, ``-inf``
    - str -> a basic string, JSON-escaped (``\\``, ``\"`` and control characters), non-ASCII
      kept as is
    - list / tuple -> an inline array of the above

    Anything else raises TypeError rather than writing a value that reads back differently.
    """
    if isinstance(v, (bool, np.bool_)):
        return "true" if v else "false"
    if isinstance(v, Quantity):
        return f'"{format_quantity(v)}"'
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    if isinstance(v, (float, np.floating)):
        return repr(float(v))
    if isinstance(v, str):
        return json.dumps(str(v), ensure_ascii=False)
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(toml_value(x) for x in v) + "]"
    raise TypeError(f"cannot write {type(v).__name__} to TOML")


def _dc_table(obj) -> dict:
    return {f.name: getattr(obj, f.name) for f in dataclasses.fields(obj)}


def to_toml(cfg: RunConfig) -> str:
    """Serialise a resolved :class:`RunConfig` (all values, not only overrides)."""
    lines = [f"experiment = {toml_value(cfg.experiment)}",
             f"condition = {toml_value(cfg.condition)}",
             f"seed = {cfg.seed}", f"scale = {toml_value(cfg.scale)}", ""]
    for f in dataclasses.fields(cfg.params):
        lines.append(f"[params.{f.name}]")
        for k, v in _dc_table(getattr(cfg.params, f.name)).items():
            lines.append(f"{k} = {toml_value(v)}")
        lines.append("")
    if dataclasses.is_dataclass(cfg.options):
        lines.append("[options]")
        for k, v in _dc_table(cfg.options).items():
            lines.append(f"{k} = {toml_value(v)}")
    return "\n".join(lines) + "\n"


def from_toml(text: str) -> RunConfig:
    """The inverse of :func:`to_toml`: the config whose resolved text is ``text``.

    A resolved text names every parameter, including those that a protocol choice
    resolved (the chronic arm's GluN2B fraction, ``resolve_params``), which a config file
    may not set beside that choice; so the parameters are applied as the values that
    differ from what the experiment, condition, scale and options resolve to by
    themselves.  The sweep engine hands its tasks the texts of the configs it resolved
    (:func:`mgnet.experiments.runner.run_config_texts`).

    Raises
    ------
    ConfigError
        Not a resolved config, or one that does not resolve back to the same text in this
        mgnet (another version, a changed calibration).
    """
    try:
        data = tomllib.loads(text)
        top = {k: data[k] for k in ("condition", "seed", "scale")}
        experiment, options, params = data["experiment"], data["options"], data["params"]
    except (tomllib.TOMLDecodeError, KeyError) as exc:
        raise ConfigError(f"not a resolved config ({exc})") from None
    base = make_config(experiment, options=options, **top)
    resolved = tomllib.loads(base.to_toml())["params"]
    changed = {}
    for section, table in params.items():
        diff = {k: v for k, v in table.items() if resolved.get(section, {}).get(k) != v}
        if diff:
            changed[section] = diff
    cfg = make_config(experiment, params=changed, options=options, **top)
    if cfg.to_toml() != text:
        raise ConfigError(f"the config of {experiment} {top['condition']} seed {top['seed']} "
                          "does not resolve to the same values in this mgnet")
    return cfg
