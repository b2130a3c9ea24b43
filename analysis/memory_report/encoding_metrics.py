"""Per-run metrics of one memory-encoding run (:func:`run_metrics`), from its saved arrays.

E->E efficacy snapshots ``/synapses/ee/rho_sNNN`` with ``q_down`` and the rule's ``b``
(weight w = q_down (1 + (b − 1) ρ), Graupner & Brunel 2012), ``/patterns/members``,
``/recall/*`` and ``/spikes/exc``.  :func:`run_metrics` is called by the experiment to
fill ``/metrics`` and again by the report on the loaded file (:func:`recomputed`), so the
report never trusts a stored number it could not recompute.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .. import memory_metrics as mm
from ..run_file import RunData
from .cache import _once_per_run
from .recall import REJECT_WINDOW, recall_metrics, unencoded_members

#: SNR an assembly must reach to count as encoded (presentations-to-criterion).  With the
#: bistable rule and half the contacts initially UP, the SNR of a fully potentiated
#: assembly is about 1 (σout is the UP/DOWN spread), so 0.5 is "half-way".
SNR_CRITERION = 0.5
#: Pseudo-assemblies of the Δf_UP z-score (science.md §6: "many"; issue 14: >= 1000).
N_PSEUDO = 1000


def snapshots(run: RunData) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Snapshot times (s), phase codes and the ``rho_sNNN`` column names, in order."""
    t = np.asarray(run.arrays["/snapshots/t"], dtype=float)
    phase = np.asarray(run.arrays["/snapshots/phase"], dtype=np.int64)
    names = sorted(c for c in run.synapses["ee"] if c.startswith("rho_s"))
    if len(names) != t.size:
        raise ValueError(f"{len(names)} rho snapshots but {t.size} snapshot times")
    return t, phase, names


def weights_at(run: RunData, name: str, b: float) -> np.ndarray:
    """AMPA weight (nS) of every E->E contact at snapshot ``name``."""
    ee = run.synapses["ee"]
    return np.asarray(ee["q_down"], float) * (1 + (b - 1) * np.asarray(ee[name], float))


def final_weights_by_membership(run: RunData) -> tuple[np.ndarray, np.ndarray]:
    """AMPA weights (nS) of the E->E contacts at the last snapshot, inside the assemblies
    (both ends members of one) and outside (the weight histograms of the figures)."""
    _, _, names = snapshots(run)
    ee = run.synapses["ee"]
    both, _ = mm._co_member(np.asarray(ee["pre"]), np.asarray(ee["post"]),
                            np.asarray(run.patterns, bool))
    w = weights_at(run, names[-1], float(run.metrics["plasticity_b"]))
    return w[both], w[~both]


def _snr_all(w, pre, post, members) -> float:
    """Mean assembly SNR (:func:`~mgnet.analysis.memory_metrics.assembly_snr`) over the
    assemblies ``members``."""
    return _snr_curve([w], pre, post, members)[0]


def _snr_curve(weights, pre, post, members) -> np.ndarray:
    """:func:`_snr_all` of every weight vector of ``weights`` (the snapshots of one run)."""
    from ..memory_metrics.structure import assembly_snr_snapshots
    return np.array([float(np.nanmean(row)) for row in
                     assembly_snr_snapshots(weights, pre, post, members)])


def _in_out_means(w, pre, post, members):
    both, _ = mm._co_member(pre, post, members)
    return float(w[both].mean()), float(w[~both].mean())


def _burst_rate(run: RunData, t0: float, t1: float) -> float:
    from ..bursts import detect_network_bursts
    te, ie = run.spikes["exc"]
    ti, ii = run.spikes["inh"]
    n_exc = int(run.metrics.get("n_exc", 0)) or int(run.patterns.shape[1])
    n_inh = int(run.metrics.get("n_inh", 0)) or (int(ii.max()) + 1 if ii.size else 1)
    t = np.concatenate([te, ti])
    i = np.concatenate([np.asarray(ie, np.int64), np.asarray(ii, np.int64) + n_exc])
    if t1 - t0 <= 0:
        return float("nan")
    bursts = detect_network_bursts(t, i, n_exc + n_inh, t0, t1)
    return float(len(bursts) / (t1 - t0) * 60.0)


def run_metrics(run: RunData, *, b: float, recall_window: float,
                reject_window: float = None, criterion: float = SNR_CRITERION) -> dict:
    """Scalar metrics of one memory-encoding run, from its saved arrays.

    Parameters
    ----------
    run : RunData
        A memory-encoding run (also accepted before it is written).
    b : float
        UP/DOWN weight ratio of the plasticity rule (``/metrics`` ``plasticity_b``).
    recall_window : float
        Readout window after each cue onset (s).
    reject_window : float, optional
        Pre-cue window checked for spontaneous network bursts (s); default
        :data:`REJECT_WINDOW`.
    criterion : float
        SNR criterion of the encoding speed.

    Returns
    -------
    dict
        Flat scalars; curves are stored as ``snr_sNNN`` entries (one per snapshot).
    """
    ee = run.synapses["ee"]
    pre = np.asarray(ee["pre"], np.int64)
    post = np.asarray(ee["post"], np.int64)
    members = np.asarray(run.patterns, bool)
    t, phase, names = snapshots(run)
    proto = run.protocol
    t_spont, t_enc = proto["spontaneous"]["t_stop"], proto["encoding"]["t_stop"]
    snr = _snr_curve((weights_at(run, n, b) for n in names), pre, post, members)
    k_pre = int(np.flatnonzero(t <= t_spont + 1e-9)[-1])
    k_enc = int(np.flatnonzero(t <= t_enc + 1e-9)[-1])
    k_end = t.size - 1
    out: dict[str, Any] = {f"snr_s{k:03d}": float(v) for k, v in enumerate(snr)}
    w_pre, w_enc, w_end = (weights_at(run, names[k], b) for k in (k_pre, k_enc, k_end))
    out.update({
        "snr_before_encoding": float(snr[k_pre]),
        "snr_after_encoding": float(snr[k_enc]),
        "snr_end": float(snr[k_end]),
    })
    out.update(_weight_change_metrics(w_pre, w_enc, w_end, pre, post, members))
    out.update({
        "up_fraction_start": float(np.mean(np.asarray(ee[names[0]]) > 0.5)),
        "up_fraction_end": float(np.mean(np.asarray(ee[names[k_end]]) > 0.5)),
        "silent_fraction_ee": float(np.mean(np.asarray(ee["pr"]) == 0)),
    })
    out["specificity"] = out["delta_w_in_rel"] - out["delta_w_out_rel"]
    out.update(_mechanism_metrics(np.asarray(ee[names[k_enc]], float),
                                  np.asarray(ee[names[k_end]], float), pre, post, members))
    out.update(_speed_and_forgetting(t, snr, k_pre, k_enc, criterion))
    bits = mm.bits_per_synapse(w_end, pre, post, members)
    out["bits_per_synapse_end"] = float(bits["bits_per_synapse"])
    out["bits_per_synapse_after_encoding"] = float(
        mm.bits_per_synapse(w_enc, pre, post, members)["bits_per_synapse"])
    out.update(_dfup_metrics(run, names, (k_pre, k_enc, k_end), pre, post, members))
    # recall: rate read-out Q, overlap m, controls, burst rejection
    out.update(recall_metrics(run, window=recall_window, reject_window=reject_window))
    out["burst_rate_consolidation_per_min"] = _burst_rate(
        run, proto["consolidation"]["t_start"], proto["consolidation"]["t_stop"])
    out["burst_rate_spontaneous_per_min"] = _burst_rate(
        run, min(1.0, t_spont / 2), t_spont)
    return out


def _weight_change_metrics(w_pre, w_enc, w_end, pre, post, members) -> dict:
    """Relative change of the mean weight inside and outside the assemblies, from before
    encoding to its end (``delta_w_*_rel``) and to the end of consolidation (``_end``)."""
    in_pre, out_pre = _in_out_means(w_pre, pre, post, members)
    in_end, out_end = _in_out_means(w_end, pre, post, members)
    in_enc, out_enc = _in_out_means(w_enc, pre, post, members)
    return {"delta_w_in_rel": in_enc / in_pre - 1, "delta_w_out_rel": out_enc / out_pre - 1,
            "delta_w_in_rel_end": in_end / in_pre - 1,
            "delta_w_out_rel_end": out_end / out_pre - 1}


def _stimulated_ends(members, pre, post) -> dict[str, np.ndarray]:
    """Contacts by which of their ends belong to an assembly: ``both``, ``post_only``,
    ``pre_only`` (each excluding the groups before it) and ``neither``."""
    anym = members.any(axis=0)
    groups = {"both": np.zeros(pre.size, bool), "post_only": np.zeros(pre.size, bool),
              "pre_only": np.zeros(pre.size, bool)}
    for m in members:
        groups["both"] |= m[pre] & m[post]
        groups["post_only"] |= ~m[pre] & m[post]
        groups["pre_only"] |= m[pre] & ~m[post]
    groups["post_only"] &= ~groups["both"]
    groups["pre_only"] &= ~groups["both"] & ~groups["post_only"]
    groups["neither"] = ~anym[pre] & ~anym[post]
    return groups


def _mechanism_metrics(rho_enc, rho_end, pre, post, members) -> dict:
    """Mean efficacy ρ after encoding by which ends were stimulated
    (``rho_<group>_after_encoding``) and the UP <-> DOWN turnover over consolidation."""
    out = {}
    # mechanism: mean efficacy after encoding by which ends were stimulated
    for g, sel in _stimulated_ends(members, pre, post).items():
        out[f"rho_{g}_after_encoding"] = float(rho_enc[sel].mean()) if sel.any() else float("nan")
    # state turnover (UP <-> DOWN) between the end of encoding and the last snapshot
    up_enc = rho_enc > 0.5
    up_end = rho_end > 0.5
    out["state_turnover_consolidation"] = float(np.mean(up_enc != up_end))
    return out


def _speed_and_forgetting(t, snr, k_pre: int, k_enc: int, criterion: float) -> dict:
    """Presentations to the SNR criterion (encoding speed) and the SNR retained over
    consolidation with its lifetime at ``criterion``."""
    out = {}
    # encoding speed: SNR after each round (element 0 = before encoding)
    enc = snr[k_pre:k_enc + 1]
    out["presentations_to_criterion"] = mm.presentations_to_criterion(enc, criterion)
    # forgetting over consolidation, relative to the end of encoding
    cons_t = t[k_enc:] - t[k_enc]
    cons = snr[k_enc:]
    out["snr_retained_fraction"] = (float(cons[-1] / cons[0]) if cons[0] > 0
                                    else float("nan"))
    out["lifetime_s"] = mm.lifetime(cons_t, cons, level=criterion) if cons.size else float("nan")
    return out


def _dfup_metrics(run: RunData, names, ks, pre, post, members) -> dict:
    """Encoding metric Δf_UP (science.md §6) before encoding, after it and at the end,
    with its z-score against :data:`N_PSEUDO` pseudo-assemblies; its curve
    (``dfup_sNNN``) and, with unencoded controls, theirs after encoding."""
    ee = run.synapses["ee"]
    k_pre, k_enc, k_end = ks
    out = {}
    # encoding metric Δf_UP (science.md §6) with its z-score against pseudo-assemblies
    up = {k: np.asarray(ee[names[k]], float) > 0.5 for k in (k_pre, k_enc, k_end)}
    for label, k in (("before_encoding", k_pre), ("after_encoding", k_enc), ("end", k_end)):
        z = mm.up_fraction_z(up[k], pre, post, members, n_pseudo=N_PSEUDO, seed=0)
        out[f"dfup_{label}"] = float(np.nanmean(z["delta"]))
        out[f"dfup_z_{label}"] = float(np.nanmean(z["z"]))
    from ..memory_metrics.instrument import up_fraction_differences
    curve = up_fraction_differences((np.asarray(ee[n], float) > 0.5 for n in names),
                                    pre, post, members)
    for k, d in enumerate(curve):
        out[f"dfup_s{k:03d}"] = float(np.nanmean(d))
    unenc = unencoded_members(run)
    if unenc.shape[0]:
        out["dfup_unencoded_after_encoding"] = float(np.nanmean(
            mm.up_fraction_difference(up[k_enc], pre, post, unenc)))
    return out


@_once_per_run
def recomputed(run: RunData) -> dict:
    """:func:`run_metrics` recomputed from the loaded arrays."""
    return run_metrics(run, b=float(run.metrics["plasticity_b"]),
                       recall_window=float(run.metrics["recall_window_s"]),
                       reject_window=float(run.metrics.get("reject_window_s",
                                                           REJECT_WINDOW)))
