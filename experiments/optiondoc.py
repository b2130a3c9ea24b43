"""``mgnet options EXPERIMENT``: every option of an experiment with its default, unit
and allowed range (and, with ``--params``, every model parameter it reads).

Generated from the declarations (the experiment's ``options`` dataclass, its
``scales`` overrides and ``param_sections``, and the :func:`mgnet.models.parameters.param`
metadata that the config loader validates against), so the table and the validation
cannot disagree.  Every key can be set with ``mgnet run EXPERIMENT --set KEY=VALUE`` or
in a ``--config`` file.
"""
from __future__ import annotations

import dataclasses
import json

__all__ = ["option_rows", "format_rows", "add_parser"]


def _field_default(f):
    return f.default_factory() if f.default is dataclasses.MISSING else f.default


def _display(value) -> str:
    """A value as it is written after ``--set KEY=`` (quantities with their unit)."""
    from brian2 import Quantity

    from .config import format_quantity, toml_value
    if isinstance(value, Quantity):
        return format_quantity(value)
    if isinstance(value, str):
        return value
    return toml_value(value)


def _plain(value):
    """A value as plain JSON (quantities as '<number> <unit>' strings)."""
    import tomllib

    from .config import toml_value
    return tomllib.loads(f"v = {toml_value(value)}")["v"]


def _unit(value) -> str:
    """The unit of a default: '1' for plain and dimensionless numbers, '' for text and
    booleans, the first item's unit for a list."""
    from brian2 import Quantity

    from .config import format_quantity
    if isinstance(value, tuple):
        return _unit(value[0]) if value else ""
    if isinstance(value, bool) or isinstance(value, str):
        return ""
    if isinstance(value, Quantity) and not value.is_dimensionless:
        return format_quantity(value).split(" ", 1)[1]
    return "1"


def _allowed(value, meta: dict) -> str:
    from .config import _describe_range
    if isinstance(value, tuple):
        item = value[0] if value else 0.0
        return "a list, each " + _allowed(item, meta)
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, str) and not meta.get("choices"):
        return "any text"
    return _describe_range(meta)


def _row(key: str, f, value, **extra) -> dict:
    meta = dict(f.metadata)
    return {"key": key, "default": _display(value), "value": _plain(value),
            "unit": _unit(value), "allowed": _allowed(value, meta),
            "doc": meta.get("doc", ""), "source": meta.get("source", ""), **extra}


def option_rows(experiment: str, *, scale: str = "default", condition: str = "baseline",
                params: bool = False) -> list[dict]:
    """One row per option of ``experiment`` (and per parameter it reads, if ``params``).

    Returns
    -------
    list of dict
        ``key`` (as ``--set`` takes it: ``options.n_neurons``,
        ``params.magnesium.mg_o``), ``default`` (text, the value at ``scale`` and, for
        parameters, under ``condition``), ``value`` (the same as a JSON value), ``unit``,
        ``allowed`` (the range the loader enforces), ``doc``, ``source``, and for
        options whose default depends on the scale ``by_scale`` (scale -> text).

    Raises
    ------
    mgnet.experiments.config.ConfigError
        Unknown experiment, scale or condition (one line, with the allowed names).
    """
    from mgnet.models.parameters import CONDITIONS
    from mgnet.models.parameters import condition as condition_params

    from . import registry
    from .config import SCALES, ConfigError
    exp = registry.get(experiment)
    if scale not in SCALES:
        raise ConfigError(f"unknown scale '{scale}'; allowed: {', '.join(SCALES)}")
    if condition not in CONDITIONS:
        raise ConfigError(f"unknown condition '{condition}'; allowed: "
                          f"{', '.join(CONDITIONS)}")
    at = {s: exp.scale_options(s) for s in SCALES}
    rows = []
    for f in dataclasses.fields(exp.options):
        shown = {s: _display(getattr(o, f.name)) for s, o in at.items()}
        extra = {"by_scale": shown} if len(set(shown.values())) > 1 else {}
        rows.append(_row(f"options.{f.name}", f, getattr(at[scale], f.name), **extra))
    if params:
        base = condition_params(condition)
        sections = [f.name for f in dataclasses.fields(base)]
        for section in exp.param_sections or sections:
            obj = getattr(base, section)
            for f in dataclasses.fields(obj):
                rows.append(_row(f"params.{section}.{f.name}", f, getattr(obj, f.name)))
    return rows


def format_rows(experiment: str, rows: list[dict], *, scale: str, condition: str,
                params: bool) -> str:
    """The table ``mgnet options`` prints."""
    head = ("key", "default", "unit", "allowed", "meaning")
    cells = [(r["key"], r["default"], r["unit"], r["allowed"], r["doc"]) for r in rows]
    widths = [min(max(len(c[i]) for c in cells + [head]), 44) for i in range(4)]

    def line(c):
        return "  " + "  ".join(f"{c[i]:<{widths[i]}}" for i in range(4)) + "  " + c[4]
    what = "options and parameters" if params else "options"
    out = [f"{what} of {experiment} at scale {scale}"
           + (f", condition {condition}" if params else "")
           + f" (set with: mgnet run {experiment} --set KEY=VALUE, or in a --config file)",
           line(head)]
    out += [line(c).rstrip() for c in cells]
    by_scale = [r for r in rows if "by_scale" in r]
    if by_scale:
        out.append("defaults that depend on --scale:")
        out += [f"  {r['key']}: " + ", ".join(f"{s} {v}" for s, v in r["by_scale"].items())
                for r in by_scale]
    if not params:
        out.append(f"model parameters: mgnet options {experiment} --params "
                   "(or 'mgnet params' for all of them, with sources)")
    return "\n".join(out)


def _run(args) -> int:
    rows = option_rows(args.experiment, scale=args.scale, condition=args.condition,
                       params=args.params)
    if args.json:
        print(json.dumps({"experiment": args.experiment, "scale": args.scale,
                          "condition": args.condition if args.params else None,
                          "rows": rows}, indent=1))
    else:
        print(format_rows(args.experiment, rows, scale=args.scale, condition=args.condition,
                          params=args.params))
    return 0


def add_parser(subparsers, parents=None):
    """Register ``mgnet options``."""
    from .scales import SCALES
    p = subparsers.add_parser("options", help="every option of an experiment with its "
                              "default, unit and allowed range", parents=parents or [])
    p.add_argument("experiment", help="experiment name (see 'mgnet list')")
    p.add_argument("--scale", choices=SCALES, default="default",
                   help="show the defaults of this scale (default: default)")
    p.add_argument("--params", action="store_true",
                   help="also list the model parameters the experiment reads")
    p.add_argument("--condition", default="baseline",
                   help="with --params: the condition preset whose values are shown "
                        "(default: baseline)")
    p.add_argument("--json", action="store_true", help="machine-readable rows (JSON)")
    p.set_defaults(func=_run)
    return p
