"""Synaptic-configuration metrics per dendritic branch (science.md §2, Zhou et al. 2024).

Input is the per-bouton table of a run file (group ``/boutons/``): equal-length arrays

========================  ====================================================================
``branch_id``             branch each bouton contacts
``pr_true``               the model's release probability (ground truth, not observable)
``mg_i``                  presynaptic intracellular [Mg²⁺] (mM)
``n_release_1ap``         releases out of ``n_trials`` (30) single spikes at 0.5 Hz
``n_release_burst``       releases out of the same 30 spikes given as 6 × 5 at 100 Hz
``pr_1ap``, ``pr_burst``  the measured fractions (counts / ``n_trials``)
``q``                     quantal size (nS)
``wca``, ``wca_burst``    spine Ca²⁺ per synapse for the two protocols (a.u.)
========================  ====================================================================

plus one length (µm) per branch.  All per-branch sums are taken over *functional* boutons
(measured Pr ≥ 0.04, the paper's criterion) and normalised per 10 µm of branch, exactly as in
the paper, so that estimation noise of the 30-trial assay enters the statistics as it did in
the experiment.  Columns computed from the model's ``pr_true`` are provided alongside so that
reports can separate the biology from the assay.

Pure numpy/scipy: never imports Brian2.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .statistics import binary_entropy, median_split

__all__ = [
    "FUNCTIONAL_PR_THRESHOLD",
    "LENGTH_UNIT_UM",
    "BRANCH_COLUMNS",
    "binary_entropy",
    "measured_pr",
    "functional_mask",
    "delta_pr",
    "branch_metrics",
    "pool_branch_tables",
    "condition_summary",
    "ConfigurationSplit",
    "dhilo_dlohi_split",
]

#: A bouton is functional when its measured 1AP Pr is at least this (science.md §2).  With 30
#: trials this means at least 2 releases (1/30 ≈ 0.033 < 0.04 ≤ 2/30).
FUNCTIONAL_PR_THRESHOLD = 0.04

#: Densities and sums are reported per this many µm of dendrite (the paper's "per 10 µm").
LENGTH_UNIT_UM = 10.0

#: Columns returned by :func:`branch_metrics`, in order, with their meaning.
BRANCH_COLUMNS: dict[str, str] = {
    "branch_id": "branch identifier (as given in branch_ids)",
    "length_um": "branch length (µm)",
    "n_boutons": "anatomical boutons on the branch",
    "n_functional": "boutons with measured pr_1ap >= threshold",
    "silent_fraction": "1 - n_functional / n_boutons (NaN if no boutons)",
    "D": "functional boutons per 10 µm",
    "mean_pr": "P̄r: mean measured pr_1ap over functional boutons (NaN if none)",
    "sum_pr": "ΣPr: Σ pr_1ap over functional boutons per 10 µm",
    "sum_pr_burst": "ΣPr_burst: Σ pr_burst over functional boutons per 10 µm",
    "stf": "sum_pr_burst / sum_pr (NaN if sum_pr == 0)",
    "G": "Σ pr_1ap·q over functional boutons per 10 µm (nS)",
    "G_burst": "Σ pr_burst·q over functional boutons per 10 µm (nS)",
    "capacity_bits": "Σ H(pr_1ap) over functional boutons per 10 µm (bits)",
    "sum_wca": "Σ wca over functional boutons per 10 µm (a.u.)",
    "sum_wca_burst": "Σ wca_burst over functional boutons per 10 µm (a.u.)",
    "mg_i": "mean [Mg]i over all boutons of the branch (mM; NaN if none)",
    "mean_pr_true": "mean pr_true over the (measured) functional boutons",
    "sum_pr_true": "Σ pr_true over the (measured) functional boutons per 10 µm",
    "true_n_functional": "boutons with pr_true >= threshold",
    "true_silent_fraction": "1 - true_n_functional / n_boutons",
    "true_D": "true_n_functional per 10 µm",
    "true_mean_pr": "mean pr_true over boutons with pr_true >= threshold",
    "true_sum_pr": "Σ pr_true over boutons with pr_true >= threshold per 10 µm",
    "true_capacity_bits": "Σ H(pr_true) over boutons with pr_true >= threshold per 10 µm",
}


def measured_pr(boutons: Mapping[str, Any], protocol: str = "1ap") -> np.ndarray:
    """Measured Pr per bouton for ``protocol`` ``"1ap"`` or ``"burst"``.

    Uses ``pr_<protocol>`` when present, otherwise ``n_release_<protocol> / n_trials`` (so a
    table holding only counts works too).
    """
    if protocol not in ("1ap", "burst"):
        raise ValueError("protocol must be '1ap' or 'burst'")
    key = f"pr_{protocol}"
    if key in boutons:
        return np.asarray(boutons[key], dtype=float)
    ckey = f"n_release_{protocol}"
    if ckey in boutons and "n_trials" in boutons:
        return np.asarray(boutons[ckey], dtype=float) / np.asarray(boutons["n_trials"], dtype=float)
    raise KeyError(f"boutons table has neither {key!r} nor {ckey!r} with 'n_trials'")


def functional_mask(
    boutons: Mapping[str, Any], threshold: float = FUNCTIONAL_PR_THRESHOLD
) -> np.ndarray:
    """Boolean mask of functional boutons: measured 1AP Pr ≥ ``threshold`` (inclusive)."""
    return measured_pr(boutons, "1ap") >= threshold


def delta_pr(boutons: Mapping[str, Any]) -> np.ndarray:
    """Burst facilitation per bouton, ΔPr = Pr_burst − Pr (measured; T4)."""
    return measured_pr(boutons, "burst") - measured_pr(boutons, "1ap")


def _optional(boutons: Mapping[str, Any], key: str, n: int) -> np.ndarray:
    """Column ``key`` as float, or all-NaN if the run did not record it.

    NaN (rather than a missing column) keeps the branch-table schema fixed, and makes the
    derived sums NaN so an unrecorded quantity cannot masquerade as zero.
    """
    if key in boutons:
        arr = np.asarray(boutons[key], dtype=float)
        if arr.shape != (n,):
            raise ValueError(f"boutons[{key!r}] has shape {arr.shape}, expected ({n},)")
        return arr
    return np.full(n, np.nan)


def branch_metrics(boutons: Mapping[str, Any], branch_ids: Any, length_um: Any,
                   threshold: float = FUNCTIONAL_PR_THRESHOLD) -> dict[str, np.ndarray]:
    """Per-branch configuration metrics (science.md §2).

    Parameters
    ----------
    boutons : mapping of str to array_like
        Per-bouton table (see the module docstring).  Required: ``branch_id`` and ``pr_1ap``
        and ``pr_burst`` (or the counts with ``n_trials``).  Optional (their columns become
        NaN when absent): ``q``, ``wca``, ``wca_burst``, ``mg_i``, ``pr_true``.
    branch_ids : array_like
        Unique branch identifiers, one per output row (branches without boutons are allowed
        and get n_boutons = 0).
    length_um : array_like
        Branch lengths in µm aligned with ``branch_ids``; must be > 0.
    threshold : float, default 0.04
        Functional-bouton criterion on measured 1AP Pr (inclusive).

    Returns
    -------
    dict of str to ndarray
        One entry per column of :data:`BRANCH_COLUMNS`, each of length ``len(branch_ids)``,
        rows in the order of ``branch_ids``.  Sums and densities are per 10 µm.  Means over
        an empty set and ratios with a zero denominator are NaN; sums over an empty set are 0.
        A NaN in an optional column of a functional bouton makes that branch's sum NaN;
        ``true_*`` columns classify by ``pr_true`` and skip boutons whose ``pr_true`` is NaN
        (all NaN when the table has no ``pr_true``).

    Raises
    ------
    ValueError
        On duplicate branch ids, non-positive lengths, mismatched shapes, or a bouton whose
        ``branch_id`` is not in ``branch_ids``.
    """
    bid, length = _branches(branch_ids, length_um)
    nb = bid.size
    b_branch = np.asarray(boutons["branch_id"]).ravel()
    n = b_branch.size
    pr = measured_pr(boutons, "1ap")
    pr_b = measured_pr(boutons, "burst")
    if pr.shape != (n,) or pr_b.shape != (n,):
        raise ValueError("pr_1ap / pr_burst must have one entry per bouton")
    q = _optional(boutons, "q", n)
    wca = _optional(boutons, "wca", n)
    wca_b = _optional(boutons, "wca_burst", n)
    mg_i = _optional(boutons, "mg_i", n)
    pr_true = _optional(boutons, "pr_true", n)
    bsum = _branch_summer(_bouton_rows(bid, b_branch), nb)
    per_unit = LENGTH_UNIT_UM / length
    func = pr >= threshold
    all_b = np.ones(n, dtype=bool)
    n_boutons = bsum(all_b)
    n_func = bsum(func)
    with np.errstate(divide="ignore", invalid="ignore"):
        s_pr = bsum(func, pr)
        s_prb = bsum(func, pr_b)
        table: dict[str, np.ndarray] = {
            "branch_id": bid.copy(),
            "length_um": length.copy(),
            "n_boutons": n_boutons.astype(int),
            "n_functional": n_func.astype(int),
            "silent_fraction": np.where(n_boutons > 0, 1.0 - n_func / n_boutons, np.nan),
            "D": n_func * per_unit,
            "mean_pr": np.where(n_func > 0, s_pr / n_func, np.nan),
            "sum_pr": s_pr * per_unit,
            "sum_pr_burst": s_prb * per_unit,
            "stf": np.where(s_pr > 0, s_prb / s_pr, np.nan),
            "G": bsum(func, pr * q) * per_unit,
            "G_burst": bsum(func, pr_b * q) * per_unit,
            "capacity_bits": bsum(func, binary_entropy(np.clip(pr, 0.0, 1.0))) * per_unit,
            "sum_wca": bsum(func, wca) * per_unit,
            "sum_wca_burst": bsum(func, wca_b) * per_unit,
            "mg_i": np.where(n_boutons > 0, bsum(all_b, mg_i) / n_boutons, np.nan),
        }
        s_true_f = bsum(func, pr_true)
        table["mean_pr_true"] = np.where(n_func > 0, s_true_f / n_func, np.nan)
        table["sum_pr_true"] = s_true_f * per_unit
        table.update(_true_columns(bsum, pr_true, threshold, n_boutons, per_unit, nb))
    assert list(table) == list(BRANCH_COLUMNS)
    return table


def _branches(branch_ids: Any, length_um: Any) -> tuple[np.ndarray, np.ndarray]:
    """Branch ids and lengths (µm) of :func:`branch_metrics` as 1-D arrays, checked."""
    bid = np.asarray(branch_ids).ravel()
    length = np.asarray(length_um, dtype=float).ravel()
    nb = bid.size
    if length.shape != (nb,):
        raise ValueError("length_um must have one entry per branch id")
    if np.unique(bid).size != nb:
        raise ValueError("branch_ids must be unique")
    if np.any(~(length > 0)):
        raise ValueError("branch lengths must be positive")
    return bid, length


def _bouton_rows(bid: np.ndarray, b_branch: np.ndarray) -> np.ndarray:
    """Output row of each bouton of :func:`branch_metrics`, found by branch id.

    Each bouton maps to its row by id (not by position), so any ordering of ``bid`` or of
    the bouton table gives the same per-branch numbers.
    """
    nb, n = bid.size, b_branch.size
    order = np.argsort(bid, kind="stable")
    sorted_ids = bid[order]
    pos = np.searchsorted(sorted_ids, b_branch)
    pos_c = np.clip(pos, 0, max(nb - 1, 0))
    if n > 0 and (nb == 0 or np.any(sorted_ids[pos_c] != b_branch)):
        raise ValueError("some boutons have a branch_id not listed in branch_ids")
    return order[pos_c] if nb else np.zeros(0, dtype=int)


def _branch_summer(row: np.ndarray, nb: int):
    """``bsum(mask, w=None)``: per-branch sum over the boutons in ``mask`` of ``w`` (or of
    1), for boutons mapped to branches by ``row``."""
    def bsum(mask: np.ndarray, w: np.ndarray | None = None) -> np.ndarray:
        # np.where zeroes the weights of excluded boutons (even if NaN there) but keeps a NaN
        # of an included bouton, so a missing value poisons only the sum it belongs to.
        weights = mask.astype(float) if w is None else np.where(mask, w, 0.0)
        return np.bincount(row, weights=weights, minlength=nb)[:nb]
    return bsum


def _true_columns(bsum, pr_true: np.ndarray, threshold: float, n_boutons: np.ndarray,
                  per_unit: np.ndarray, nb: int) -> dict[str, np.ndarray]:
    """The ``true_*`` columns of :func:`branch_metrics`: boutons classified by ``pr_true``
    (all NaN when no bouton has a finite ``pr_true``)."""
    n = pr_true.size
    # Fully "true" classification: NaN pr_true compares False, so guard explicitly.
    have_true = np.isfinite(pr_true)
    tfunc = have_true & (np.where(have_true, pr_true, 0.0) >= threshold)
    nt = bsum(tfunc)
    s_true = bsum(tfunc, pr_true)
    h_true = binary_entropy(np.clip(np.where(have_true, pr_true, 0.0), 0.0, 1.0))
    any_true = bool(have_true.any()) if n else False
    nan_if_missing = (lambda a: a) if any_true else (lambda a: np.full(nb, np.nan))
    return {
        "true_n_functional": nan_if_missing(nt.astype(float)),
        "true_silent_fraction": nan_if_missing(
            np.where(n_boutons > 0, 1.0 - nt / n_boutons, np.nan)),
        "true_D": nan_if_missing(nt * per_unit),
        "true_mean_pr": nan_if_missing(np.where(nt > 0, s_true / nt, np.nan)),
        "true_sum_pr": nan_if_missing(s_true * per_unit),
        "true_capacity_bits": nan_if_missing(bsum(tfunc, h_true) * per_unit),
    }


def pool_branch_tables(tables: Sequence[Mapping[str, Any]]) -> dict[str, np.ndarray]:
    """Concatenate branch tables (e.g. baseline and elevated Mg) into one pooled table.

    The result has the common columns plus ``source`` (index of the input table per row), so
    a pooled median split (:func:`dhilo_dlohi_split`) can be mapped back to conditions.
    """
    if not tables:
        raise ValueError("need at least one table")
    keys = [k for k in tables[0] if all(k in t for t in tables)]
    out = {k: np.concatenate([np.asarray(t[k]) for t in tables]) for k in keys}
    out["source"] = np.concatenate(
        [np.full(len(np.asarray(t[keys[0]])), i, dtype=int) for i, t in enumerate(tables)]
    )
    return out


_SUMMARY_SKIP = {"branch_id", "source"}


def condition_summary(branch_table: Mapping[str, Any]) -> dict[str, float]:
    """Summary statistics of one condition's branch table for reports.

    Parameters
    ----------
    branch_table : mapping
        Output of :func:`branch_metrics` (or a pooled/filtered version of it).

    Returns
    -------
    dict of str to float
        Flat dict.  Pooled counts: ``n_branches``, ``n_boutons``, ``n_functional``,
        ``total_length_um``; pooled ratios: ``silent_fraction_pooled`` (silent / all boutons),
        ``D_pooled`` (functional per 10 µm of all dendrite), ``stf_pooled`` (Σ burst release /
        Σ 1AP release over all branches).  For every numeric column ``c`` (except ids):
        ``c_median``, ``c_mean``, ``c_sd`` (ddof = 1), ``c_n`` — over branches where the
        value is finite (e.g. P̄r excludes branches without functional boutons).
    """
    length = np.asarray(branch_table["length_um"], dtype=float)
    n_b = np.asarray(branch_table["n_boutons"], dtype=float)
    n_f = np.asarray(branch_table["n_functional"], dtype=float)
    total_len = float(length.sum())
    # sum_pr is per 10 µm, so multiply back by length/10 to get branch totals before pooling.
    tot_pr = float(np.nansum(np.asarray(branch_table["sum_pr"], float) * length / LENGTH_UNIT_UM))
    tot_prb = float(
        np.nansum(np.asarray(branch_table["sum_pr_burst"], float) * length / LENGTH_UNIT_UM)
    )
    out: dict[str, float] = {
        "n_branches": float(length.size),
        "n_boutons": float(n_b.sum()),
        "n_functional": float(n_f.sum()),
        "total_length_um": total_len,
        "silent_fraction_pooled": 1.0 - n_f.sum() / n_b.sum() if n_b.sum() > 0 else float("nan"),
        "D_pooled": n_f.sum() / total_len * LENGTH_UNIT_UM if total_len > 0 else float("nan"),
        "stf_pooled": tot_prb / tot_pr if tot_pr > 0 else float("nan"),
    }
    for key, col in branch_table.items():
        if key in _SUMMARY_SKIP:
            continue
        arr = np.asarray(col)
        if arr.dtype.kind not in "biuf":
            continue
        v = arr.astype(float)
        v = v[np.isfinite(v)]
        out[f"{key}_n"] = float(v.size)
        out[f"{key}_median"] = float(np.median(v)) if v.size else float("nan")
        out[f"{key}_mean"] = float(v.mean()) if v.size else float("nan")
        out[f"{key}_sd"] = float(v.std(ddof=1)) if v.size > 1 else float("nan")
    return out


@dataclass(frozen=True, eq=False)  # eq=False: comparing array fields with == is ambiguous
class ConfigurationSplit:
    """Result of :func:`dhilo_dlohi_split`.

    Attributes
    ----------
    threshold : float
        P̄r threshold (median of the pooled data unless given).
    dhilo : ndarray of bool
        Branches with P̄r ≤ threshold (high D, low Pr).
    dlohi : ndarray of bool
        Branches with P̄r > threshold (low D, high Pr).
    n_dhilo, n_dlohi : int
        Group sizes.
    n_excluded : int
        Branches with undefined P̄r (no functional bouton), in neither group.
    rule : str
        Human-readable statement of the split rule, for reports.
    """

    threshold: float
    dhilo: np.ndarray
    dlohi: np.ndarray
    n_dhilo: int
    n_dlohi: int
    n_excluded: int
    rule: str


def dhilo_dlohi_split(
    branch_table: Mapping[str, Any], threshold: float | None = None
) -> ConfigurationSplit:
    """Split branches into DHiLo and DLoHi configurations by median P̄r.

    Rule: the threshold is the median of ``mean_pr`` (P̄r) over all branches of
    ``branch_table`` with a defined P̄r — pass the *pooled* table of all conditions being
    compared (see :func:`pool_branch_tables`), as the paper split its pooled data.  Branches
    with P̄r ≤ threshold are **DHiLo** (high density, low Pr); branches with P̄r > threshold are
    **DLoHi** (low density, high Pr).  Ties (P̄r exactly at the median, common because Pr is
    k/30) go to DHiLo.  Branches without functional boutons (P̄r = NaN) are excluded from both.
    Because D ≈ k/P̄r, splitting on P̄r is equivalent to splitting on D in the opposite sense
    up to the scatter about the hyperbola; P̄r is used because it is defined per bouton set.

    Parameters
    ----------
    branch_table : mapping
        Branch table with a ``mean_pr`` column.
    threshold : float, optional
        Use this threshold instead of the median of ``branch_table`` — e.g. the pooled
        threshold applied to a single condition's table.

    Returns
    -------
    ConfigurationSplit
        ``threshold``, masks ``dhilo``/``dlohi`` aligned with the table rows, counts and the
        ``rule`` string.
    """
    mean_pr = np.asarray(branch_table["mean_pr"], dtype=float)
    if threshold is None:
        ms = median_split(mean_pr)
        thr, above, below, valid = ms.threshold, ms.above, ms.below, ms.valid
        origin = "median P̄r of the pooled branches"
    else:
        thr = float(threshold)
        valid = np.isfinite(mean_pr)
        above = valid & (mean_pr > thr)
        below = valid & ~above
        origin = "given threshold"
    rule = (
        f"DHiLo: P̄r <= {thr:.4g} ({origin}); DLoHi: P̄r > {thr:.4g}; "
        "ties to DHiLo; branches without functional boutons excluded"
    )
    return ConfigurationSplit(
        threshold=float(thr),
        dhilo=below,
        dlohi=above,
        n_dhilo=int(below.sum()),
        n_dlohi=int(above.sum()),
        n_excluded=int((~valid).sum()),
        rule=rule,
    )
