"""Plasticity-induction runs as the report reads them: protocol and condition names, the
per-branch weight change of each protocol and the DHiLo / DLoHi split of the branches.
"""
from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from ..configuration_metrics import dhilo_dlohi_split
from ..run_file import RunData, list_runs, read_run

EXPERIMENT = "plasticity-induction"
BASELINE, ELEVATED = "baseline", "elevated_mg"
#: The non-STDP protocols, in display order.
MAIN_PROTOCOLS = ("pairing", "burst", "anti", "unpaired")
#: The within-branch control of the pairing protocols.
CONTROL = "unpaired"
#: Prefix of the per-branch column of each measure.
MEASURES = {"raw": "rel_dw_", "specific": "spec_dw_"}
#: Figure files written by :func:`plasticity_figures`.
FIGURE_FILES = {"stdp": "plasticity_stdp.png", "split": "plasticity_protocols.png"}
PATHWAY = "plastic"

_STDP = re.compile(r"^stdp_(m|p|)(\d+(?:_\d+)?)ms$")


class PlasticityDataError(ValueError):
    """A run file lacks what the plasticity analysis needs."""


# ------------------------------------------------------------------------- per run
def stdp_dt_ms(name: str) -> float | None:
    """Δt (ms) encoded in an STDP protocol name (``stdp_m100ms`` -> -100), else None."""
    m = _STDP.match(name)
    if not m:
        return None
    v = float(m.group(2).replace("_", "."))
    return -v if m.group(1) == "m" else v


def protocol_names(run: RunData) -> list[str]:
    """Protocols with weight snapshots: pairing, burst, anti, then STDP points by Δt."""
    syn = _synapses(run)
    names = [c[len("weight_"):] for c in syn if c.startswith("weight_") and c != "weight_initial"]
    main = [p for p in MAIN_PROTOCOLS if p in names]
    stdp = sorted((p for p in names if stdp_dt_ms(p) is not None), key=stdp_dt_ms)
    other = sorted(p for p in names if p not in main and p not in stdp)
    return main + other + stdp


def _synapses(run: RunData) -> Mapping[str, np.ndarray]:
    syn = run.synapses.get(PATHWAY) if run.synapses else None
    if not syn:
        raise PlasticityDataError(f"run {run.attrs.get('run_id', '?')} has no "
                                  f"/synapses/{PATHWAY}")
    for col in ("post", "pr", "weight_initial"):
        if col not in syn:
            raise PlasticityDataError(f"/synapses/{PATHWAY} lacks '{col}'")
    return syn


def _settled_weight(syn, name: str, b: float) -> np.ndarray:
    rho = np.asarray(syn[f"rho_{name}"], float)
    settled = np.where(rho > 0.5, 1.0, np.where(rho < 0.5, 0.0, 0.5))
    return np.asarray(syn["q_down"], float) * (1 + (b - 1) * settled)


def branch_changes(run: RunData, *, include_silent: bool = False,
                   settled: bool = False) -> dict[str, np.ndarray]:
    """Per-branch weight changes recomputed from the per-contact rows of one run.

    Returns
    -------
    dict of str to ndarray
        One row per branch of ``/branches``: ``branch_id``, ``length_um``, ``mean_pr``
        (measured P̄r), ``mean_pr_true`` (if stored), ``w_initial`` (nS), and per protocol
        ``rel_dw_<p>`` (Σ Δw / Σ q) and ``dw_per_10um_<p>`` (nS per 10 µm); with the
        ``unpaired`` control present also ``spec_dw_<p>`` = ``rel_dw_<p>`` −
        ``rel_dw_unpaired`` for the pairing protocols (``pairing``, ``anti``, STDP).
    """
    syn = _synapses(run)
    br = run.branches
    if not br or "branch_id" not in br or "mean_pr" not in br:
        raise PlasticityDataError("run has no /branches table with branch_id and mean_pr")
    bid = np.asarray(br["branch_id"])
    order = np.argsort(bid, kind="stable")
    pos = np.searchsorted(bid[order], np.asarray(syn["post"]))
    if np.any(pos >= len(bid)) or np.any(bid[order][np.clip(pos, 0, len(bid) - 1)]
                                         != np.asarray(syn["post"])):
        raise PlasticityDataError("contacts refer to branches missing from /branches")
    row = order[pos]
    nb = len(bid)
    keep = np.ones(len(row), bool) if include_silent else np.asarray(syn["pr"], float) > 0
    w0 = np.asarray(syn["weight_initial"], float)

    def bsum(x):
        return np.bincount(row, weights=np.where(keep, x, 0.0), minlength=nb)

    b = float(run.metrics.get("b", np.nan))
    if settled and ("q_down" not in syn or not np.isfinite(b)):
        raise PlasticityDataError("settled weights need /synapses/plastic/q_down and metric b")
    w0_b = bsum(w0)
    q_b = bsum(np.asarray(syn["q"], float)) if "q" in syn else w0_b
    length = np.asarray(br.get("length_um", np.full(nb, np.nan)), float)
    out = {"branch_id": bid.copy(), "length_um": length,
           "mean_pr": np.asarray(br["mean_pr"], float), "w_initial": w0_b}
    if "mean_pr_true" in br:
        out["mean_pr_true"] = np.asarray(br["mean_pr_true"], float)
    for p in protocol_names(run):
        w = _settled_weight(syn, p, b) if settled else np.asarray(syn[f"weight_{p}"], float)
        dw = bsum(w - w0)
        with np.errstate(invalid="ignore", divide="ignore"):
            out[f"rel_dw_{p}"] = np.where(q_b > 0, dw / q_b, np.nan)
            out[f"dw_per_10um_{p}"] = dw * 10.0 / length
    if f"rel_dw_{CONTROL}" in out:
        for p in protocol_names(run):
            if p in ("pairing", "anti") or stdp_dt_ms(p) is not None:
                out[f"spec_dw_{p}"] = out[f"rel_dw_{p}"] - out[f"rel_dw_{CONTROL}"]
    return out


# ------------------------------------------------------------------------- pooling
def _key(run: RunData) -> tuple[str, int]:
    return str(run.attrs.get("condition", "?")), int(run.attrs.get("seed", 0))


def pooled_split(tables: Sequence[Mapping[str, np.ndarray]], use_true: bool = False):
    """Median split of P̄r over the pooled branches of ``tables``.

    Returns ``(split, masks)`` with ``masks[k] = (dhilo, dlohi)`` for table k.
    """
    col = "mean_pr_true" if use_true else "mean_pr"
    pooled = {"mean_pr": np.concatenate([np.asarray(t[col], float) for t in tables])}
    if not np.isfinite(pooled["mean_pr"]).any():
        raise PlasticityDataError("no branch has a functional bouton: no DHiLo/DLoHi split")
    split = dhilo_dlohi_split(pooled)
    masks, start = [], 0
    for t in tables:
        n = len(t[col])
        masks.append((split.dhilo[start:start + n], split.dlohi[start:start + n]))
        start += n
    return split, masks


# ------------------------------------------------------------------------- files
def load_plasticity_runs(results: Path, scale: str | None = None) -> list[RunData]:
    """Complete plasticity-induction run files under ``results/runs`` (at ``scale``)."""
    return [read_run(p) for p in list_runs(Path(results) / "runs", EXPERIMENT, scale)]
