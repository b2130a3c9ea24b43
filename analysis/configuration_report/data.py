"""Configuration runs as the targets read them: experiment and condition names, loading the
bouton-assay, dose-response and reconfiguration run files, and pooling them per condition.
"""
from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from mgnet.models.units import parse_value

from ..configuration_metrics import FUNCTIONAL_PR_THRESHOLD, branch_metrics
from ..figures.style import CONDITION_ORDER as _STYLE_ORDER
from ..run_file import RunData, list_runs, read_run

ASSAY_EXPERIMENT = "bouton-assay"
DOSE_EXPERIMENT = "mg-dose-response"
RECONFIG_EXPERIMENT = "reconfiguration"
BASELINE = "baseline"
ELEVATED = "elevated_mg"
#: Conditions in display order (the one order of :mod:`mgnet.analysis.figures.style`); others
#: follow alphabetically.
CONDITION_ORDER = _STYLE_ORDER

#: The paper's sample sizes per condition (science.md §3); smaller runs are flagged.
PAPER_SAMPLE_SIZE = {"branches": 60, "boutons": 800}

#: Exhausted branches (every bouton active, ΣPr below the set-point) above this fraction
#: mean that the homeostasis premise of the configuration model fails (the issue's 20 %).
MAX_EXHAUSTED_FRACTION = 0.20

#: The documented one-time calibrations (docs/calibration.md) and what each one saw.
CALIBRATIONS = {
    "C1": "set-point median ← functional boutons per branch, Fig 1b/1c n (863/66); most "
          "affects T1",
    "C2": "anatomical density ← T6 baseline silent fraction 53 %; most affects T2, T5",
    "C3": "elevated [Mg]i ← T6 elevated silent fraction 30 %, limited to ≤ 20 % exhausted "
          "branches; most affects T2, T3, T5",
}

#: Figure panel -> file name under ``results/figures``.
FIGURE_FILES = {
    "fig1b": "fig1b_hyperbola.png",
    "fig1c": "fig1c_pr_distribution.png",
    "fig1d": "fig1d_burst_facilitation.png",
    "fig1ef": "fig1ef_sum_pr.png",
    "fig3a": "fig3a_wca_vs_pr.png",
    "fig4a": "fig4a_timecourse.png",
    "fig4d": "fig4d_pr_vs_mg.png",
    "capacity": "capacity_vs_pr.png",
    "g_split": "g_vs_gburst.png",
}


def _fig(key: str) -> str:
    return f"figures/{FIGURE_FILES[key]}"


class ConfigurationDataError(ValueError):
    """Run files lack what a configuration analysis needs (message names what is missing)."""


# ------------------------------------------------------------------------------------ loading


@dataclass
class ConfigurationRuns:
    """Run files of the configuration experiments, grouped.

    Attributes
    ----------
    assay : dict of str to list of RunData
        ``bouton-assay`` runs by condition.
    dose : list of RunData
        ``mg-dose-response`` runs.
    reconfiguration : list of RunData
        ``reconfiguration`` runs.
    """

    assay: dict[str, list[RunData]] = field(default_factory=dict)
    dose: list[RunData] = field(default_factory=list)
    reconfiguration: list[RunData] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.assay or self.dose or self.reconfiguration)


def _by_condition(runs: Iterable[RunData]) -> dict[str, list[RunData]]:
    out: dict[str, list[RunData]] = {}
    for run in runs:
        out.setdefault(str(run.attrs.get("condition", "?")), []).append(run)
    return dict(sorted(out.items(), key=lambda kv: _condition_key(kv[0])))


def _condition_key(cond: str) -> tuple[int, str]:
    return (CONDITION_ORDER.index(cond) if cond in CONDITION_ORDER else len(CONDITION_ORDER), cond)


def load_configuration_runs(results: str | Path, scale: str | None = None) -> ConfigurationRuns:
    """Read every complete run file of the three configuration experiments.

    Parameters
    ----------
    results : path
        Results directory; run files are searched under ``results/runs``.
    scale : str, optional
        Only runs made at this scale.
    """
    runs_dir = Path(results) / "runs"
    load = lambda exp: [read_run(p) for p in list_runs(runs_dir, exp, scale)]  # noqa: E731
    return ConfigurationRuns(
        assay=_by_condition(load(ASSAY_EXPERIMENT)),
        dose=load(DOSE_EXPERIMENT),
        reconfiguration=load(RECONFIG_EXPERIMENT),
    )


def _as_runs(obj: RunData | Sequence[RunData] | None) -> list[RunData]:
    if obj is None:
        return []
    if isinstance(obj, RunData):
        return [obj]
    return list(obj)


# ----------------------------------------------------------------------- pooled branch tables


@dataclass
class ConditionData:
    """Raw bouton rows of one condition (all its runs pooled) and the recomputed branch table.

    Attributes
    ----------
    condition : str
    boutons : dict of str to ndarray
        Columns common to all pooled runs; ``branch_id`` is renumbered 0..n_branches−1 so
        branches of different seeds never merge; ``run_index`` and ``orig_branch_id`` keep
        the origin.
    branches : dict of str to ndarray
        :func:`mgnet.analysis.configuration_metrics.branch_metrics` of ``boutons``, rows in the
        order of the runs' ``/branches`` rows, plus ``run_index`` and ``orig_branch_id``.
    n_runs : int
    seeds : list of int
    """

    condition: str
    boutons: dict[str, np.ndarray]
    branches: dict[str, np.ndarray]
    n_runs: int
    seeds: list
    #: stored model columns of /branches (not derived metrics), rows as ``branches``:
    #: ``exhausted``, ``setpoint_ratio``, ``setpoint``, ``n_anatomical`` when recorded
    branch_extra: dict[str, np.ndarray] = field(default_factory=dict)
    #: ``[params]`` of the first run's resolved config (``config_toml``), section ->
    #: name -> value as stored (numbers or unit strings); empty when not recorded
    params: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def functional(self) -> np.ndarray:
        """Mask of functional boutons (measured pr_1ap ≥ 0.04)."""
        return np.asarray(self.boutons["pr_1ap"], float) >= FUNCTIONAL_PR_THRESHOLD

    @property
    def n_branches(self) -> int:
        return int(len(self.branches["branch_id"]))

    @property
    def n_boutons(self) -> int:
        return int(len(self.boutons["branch_id"]))


def _pool(parts: Sequence[tuple[Mapping[str, Any], Mapping[str, Any], str]],
          condition: str, seeds: list) -> ConditionData:
    """Pool (boutons, branches, label) parts; renumber branches; recompute branch metrics."""
    if not parts:
        raise ConfigurationDataError(f"no runs for condition {condition!r}")
    common = None
    for boutons, _, label in parts:
        if boutons is None or "branch_id" not in boutons:
            raise ConfigurationDataError(f"{label}: no /boutons/branch_id")
        if "pr_1ap" not in boutons or "pr_burst" not in boutons:
            raise ConfigurationDataError(f"{label}: /boutons lacks pr_1ap or pr_burst")
        cols = {k for k, v in boutons.items() if np.ndim(v) == 1}
        common = cols if common is None else common & cols
    assert common is not None
    out_b: dict[str, list] = {k: [] for k in sorted(common)}
    out_b["run_index"], out_b["orig_branch_id"] = [], []
    new_ids, lengths, run_idx, orig_ids = [], [], [], []
    extra_keys = [k for k in _BRANCH_MODEL_COLUMNS
                  if all(p[1] is not None and k in p[1] for p in parts)]
    extra: dict[str, list] = {k: [] for k in extra_keys}
    offset = 0
    for i, (boutons, branches, label) in enumerate(parts):
        if branches is None or "branch_id" not in branches or "length_um" not in branches:
            raise ConfigurationDataError(f"{label}: no /branches/branch_id and length_um "
                                         "(needed for densities per 10 µm)")
        ids = np.asarray(branches["branch_id"]).ravel()
        if np.unique(ids).size != ids.size:
            raise ConfigurationDataError(f"{label}: /branches/branch_id has duplicates")
        order = np.argsort(ids, kind="stable")
        b_ids = np.asarray(boutons["branch_id"]).ravel()
        pos = np.clip(np.searchsorted(ids[order], b_ids), 0, max(ids.size - 1, 0))
        if b_ids.size and (ids.size == 0 or np.any(ids[order][pos] != b_ids)):
            raise ConfigurationDataError(f"{label}: boutons on branches missing from /branches")
        row = order[pos] if ids.size else np.zeros(0, int)
        for k in common:
            if k != "branch_id":
                out_b[k].append(np.asarray(boutons[k]))
        out_b["branch_id"].append(offset + row)
        out_b["run_index"].append(np.full(b_ids.size, i))
        out_b["orig_branch_id"].append(b_ids)
        new_ids.append(offset + np.arange(ids.size))
        lengths.append(np.asarray(branches["length_um"], float).ravel())
        run_idx.append(np.full(ids.size, i))
        orig_ids.append(ids)
        for k in extra_keys:
            extra[k].append(np.asarray(branches[k]).ravel())
        offset += ids.size
    boutons_all = {k: np.concatenate(v) for k, v in out_b.items()}
    bid = np.concatenate(new_ids)
    try:
        table = branch_metrics(boutons_all, bid, np.concatenate(lengths))
    except (ValueError, KeyError) as exc:
        raise ConfigurationDataError(f"condition {condition!r}: {exc}") from exc
    table["run_index"] = np.concatenate(run_idx)
    table["orig_branch_id"] = np.concatenate(orig_ids)
    return ConditionData(condition, boutons_all, table, len({p[2] for p in parts}), seeds,
                         {k: np.concatenate(v) for k, v in extra.items()})


#: Stored /branches columns of the model kept beside the recomputed metrics.
_BRANCH_MODEL_COLUMNS = ("exhausted", "setpoint_ratio", "setpoint", "n_anatomical")


def _label(run: RunData) -> str:
    a = run.attrs
    return f"{a.get('experiment', '?')}/{a.get('run_id', a.get('condition', '?'))}"


def condition_data(runs: RunData | Sequence[RunData], condition: str | None = None) -> ConditionData:
    """Pool the runs of one condition and recompute its branch table from raw bouton rows.

    Parameters
    ----------
    runs : RunData or sequence of RunData
        Runs to pool (e.g. several seeds of ``bouton-assay`` ``baseline``).
    condition : str, optional
        Label; defaults to the first run's ``condition`` attribute.

    Raises
    ------
    ConfigurationDataError
        If a run lacks bouton rows, branch lengths, or has boutons on unlisted branches.
    """
    runs = _as_runs(runs)
    if not runs:
        raise ConfigurationDataError("no runs to pool")
    cond = condition or str(runs[0].attrs.get("condition", "?"))
    parts = [(r.boutons, r.branches, _label(r)) for r in runs]
    cd = _pool(parts, cond, [r.attrs.get("seed") for r in runs])
    cd.params = run_params(runs[0])
    return cd


def run_params(run: RunData) -> dict[str, dict[str, Any]]:
    """The ``[params]`` table of a run's resolved config (``config_toml``): section ->
    name -> stored value (numbers, or strings such as ``"0.5 mM"``); empty if the run has
    no readable config."""
    try:
        cfg = tomllib.loads(str(run.attrs.get("config_toml", "") or ""))
    except tomllib.TOMLDecodeError:
        return {}
    return {k: dict(v) for k, v in cfg.get("params", {}).items() if isinstance(v, dict)}


def param_value(params: Mapping[str, Mapping[str, Any]], key: str,
                unit: str | None = None) -> float:
    """Numeric value of ``section.name`` in ``params``; NaN if absent or unreadable.

    A unit string (``"0.7015 mM"``, ``"0.3 s"``) is converted to ``unit`` (``"ms"`` or
    ``"mM"``) by :func:`mgnet.models.units.parse_value`; without ``unit`` a unit string
    gives NaN, so a quantity is never read in the wrong unit.
    """
    section, _, name = key.partition(".")
    v = params.get(section, {}).get(name)
    if isinstance(v, bool) or v is None:
        return float("nan")
    if isinstance(v, (int, float)):
        return float(v) if unit is None else float("nan")
    if unit is None:
        return float("nan")
    try:
        return parse_value(v, unit)
    except ValueError:
        return float("nan")


def assay_conditions(assay: Mapping[str, Sequence[RunData]] | Sequence[RunData] | None
                     ) -> tuple[dict[str, ConditionData], dict[str, str]]:
    """Pooled :class:`ConditionData` per condition, and a problem message per failed one."""
    if assay is None:
        return {}, {}
    grouped = dict(assay) if isinstance(assay, Mapping) else _by_condition(_as_runs(assay))
    out, problems = {}, {}
    for cond, runs in grouped.items():
        try:
            out[cond] = condition_data(runs, cond)
        except ConfigurationDataError as exc:
            problems[cond] = str(exc)
    return out, problems
