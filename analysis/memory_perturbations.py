"""Which parameters a memory-encoding run was perturbed in (issue 14 item 5): the
resolved ``[params]`` of its saved config against the reference run of its own condition
and options.  Used by :mod:`mgnet.analysis.memory_report` (to keep perturbed runs out of
the comparison) and :mod:`mgnet.analysis.memory_robustness` (the tornado); imports
neither.  Never imports brian2."""
from __future__ import annotations

import re
import tomllib
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from .run_file import RunData

__all__ = ["params_of", "perturbation", "perturbation_label", "split_perturbed"]

_NUMBER = re.compile(r"^\s*([-+0-9.eE]+)\s*(.*)$")


# --------------------------------------------------------------------------------------
# what a run file says about its parameters
# --------------------------------------------------------------------------------------
def params_of(run: RunData) -> dict:
    """``{"section.key": value}`` of the run's resolved ``[params]`` ({} if none)."""
    try:
        data = tomllib.loads(str(run.attrs.get("config_toml", "")))
    except tomllib.TOMLDecodeError:
        return {}
    return {f"{sec}.{k}": v for sec, table in data.get("params", {}).items()
            if isinstance(table, dict) for k, v in table.items()}


def _number(value):
    """(number, unit) of a TOML value (``"1.8 mM"`` -> (1.8, "mM")); None if not
    numeric."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value), ""
    m = _NUMBER.match(str(value))
    if not m:
        return None
    try:
        return float(m.group(1)), m.group(2).strip()
    except ValueError:
        return None


def perturbation(params: Mapping, reference: Mapping) -> tuple:
    """The parameters in which ``params`` differ from ``reference``, as sorted
    ``(name, factor)`` pairs; factor = new / reference value when both are numbers in
    the same unit, else NaN.  () for an unperturbed run.

    Only names that both record are compared: a parameter section that one side does not
    record at all comes from a run made before that section existed (the culture and
    metaplasticity sections joined ``[params]`` later), not from a perturbation."""
    out = []
    for name in sorted(set(params) & set(reference)):
        a, b = reference.get(name), params.get(name)
        if a == b:
            continue
        na, nb = _number(a), _number(b)
        factor = (nb[0] / na[0] if na and nb and na[1] == nb[1] and na[0] != 0
                  else float("nan"))
        out.append((name, round(float(factor), 6)))
    return tuple(out)


def perturbation_label(pert: tuple) -> str:
    """``"calcium.ca_o × 1.20"`` (several changes joined by ", "); "unperturbed"."""
    if not pert:
        return "unperturbed"
    return ", ".join(f"{n} × {f:.2f}" if np.isfinite(f) else f"{n} changed"
                     for n, f in pert)


def _options_key(run: RunData) -> str:
    """The run's resolved ``[options]`` without ``stream_seed``: runs are compared with
    the reference of their own condition *and* options (the chronic GluN2B arm resolves
    its own GluN2B fraction, which is not a perturbation; a noise-floor run differs only
    in its stream)."""
    try:
        opts = tomllib.loads(str(run.attrs.get("config_toml", ""))).get("options", {})
    except tomllib.TOMLDecodeError:
        opts = {}
    return repr(sorted((k, v) for k, v in opts.items() if k != "stream_seed"))


def _untagged(path: Path, run: RunData) -> bool:
    a = run.attrs
    return Path(path).stem == f"{a.get('condition')}_seed{a.get('seed')}_{a.get('scale')}"


def _references(items: Sequence[tuple[Path, RunData]]) -> dict:
    """(condition, options) -> reference params (see the module docstring)."""
    by_cond: dict = {}
    for path, run in items:
        by_cond.setdefault((str(run.attrs["condition"]), _options_key(run)), []).append(
            (path, run))
    refs = {}
    for cond, pairs in by_cond.items():
        untagged = [params_of(r) for p, r in pairs if _untagged(p, r)]
        pool = untagged or [params_of(r) for _, r in pairs]
        # per parameter, the most common value among the runs that record it (runs made
        # before a section existed do not record it; see perturbation)
        ref = {}
        for name in sorted({n for p in pool for n in p}):
            counts = Counter(repr(p[name]) for p in pool if name in p)
            best = counts.most_common(1)[0][0]
            ref[name] = next(p[name] for p in pool if name in p and repr(p[name]) == best)
        refs[cond] = ref
    return refs


def split_perturbed(items: Sequence[tuple[Path, RunData]]):
    """(unperturbed runs, {perturbation: [runs]}) of ``(path, run)`` pairs."""
    refs = _references(items)
    plain, perturbed = [], {}
    for _, run in items:
        pert = perturbation(params_of(run),
                            refs[(str(run.attrs["condition"]), _options_key(run))])
        if pert:
            perturbed.setdefault(pert, []).append(run)
        else:
            plain.append(run)
    return plain, perturbed
