"""The recall read-out of one run: per cue, the rates of the excitatory cells in the
read-out window, Q of Luboeinski & Tetzlaff, the overlap m, hit rate and false activation,
and the rejection of cues inside a spontaneous network burst; then the scalar recall
metrics per cue kind (stored, sham, unencoded) and cue fraction.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .. import memory_metrics as mm
from ..run_file import RunData

#: Default pre-cue window checked for network bursts (s; run files record theirs).
REJECT_WINDOW = 0.5
#: Bursts starting less than this before a cue count as evoked by it (s):
#: :func:`mgnet.analysis.memory_metrics.cues_in_bursts`.
BURST_GUARD = 0.01
#: Secondary, early read-out window (s): the monosynaptic completion (1.5-ms delay plus
#: the EPSP rise) falls inside it and a cue-ignited network burst mostly after it
#: (docs/memory.md "Instrument"); Q over it is reported beside the primary read-out
#: (science.md §6: 100-500 ms) as ``qe_*``, and decides nothing.
EARLY_WINDOW = 0.010
#: Names of the ``/recall/kind`` codes (mgnet.experiments.memory_encoding.RECALL_KINDS).
KIND_NAMES = {0: "stored", 1: "sham", 2: "unencoded"}


def unencoded_members(run: RunData) -> np.ndarray:
    """The unencoded control assemblies of a run, (U, n_exc) bool (U = 0 if none)."""
    n_exc = np.asarray(run.patterns).shape[1]
    a = run.arrays.get("/controls/unencoded_members")
    return (np.zeros((0, n_exc), bool) if a is None
            else np.asarray(a, bool).reshape(-1, n_exc))


def network_bursts(run: RunData, t0: float, t1: float, exc="exc", inh="inh"):
    """Network bursts (mgnet.analysis.bursts.detect_network_bursts, default rule) of the whole
    culture, excitatory and inhibitory spikes pooled, in [t0, t1)."""
    from ..bursts import detect_network_bursts
    te, ie = run.spikes[exc]
    ti, ii = run.spikes[inh]
    n_exc = int(run.metrics.get("n_exc", 0)) or int(np.asarray(run.patterns).shape[1])
    n_inh = int(run.metrics.get("n_inh", 0)) or (int(np.max(ii)) + 1 if len(ii) else 1)
    t = np.concatenate([np.asarray(te, float), np.asarray(ti, float)])
    i = np.concatenate([np.asarray(ie, np.int64), np.asarray(ii, np.int64) + n_exc])
    return detect_network_bursts(t, i, n_exc + n_inh, t0, t1)


def recall_trials(run: RunData, *, window: float, reject_window: float = REJECT_WINDOW,
                  exc: str = "exc", inh: str = "inh") -> dict:
    """Per-cue read-out of a run's recall phase (arrays, one entry per cue).

    For a cue at t: rates of the excitatory cells in ``[t, t + window)``
    (:func:`mgnet.analysis.memory_metrics.rates_in_window`), Q of Luboeinski & Tetzlaff
    (:func:`mgnet.analysis.memory_metrics.recall_q`: non-cued members of the assembly read
    out vs every other non-cued cell, in units of the cued cells' rate), the overlap m
    of the binary response (>= 1 spike in the window;
    :func:`mgnet.analysis.memory_metrics.recall_overlap`), the hit rate (non-cued members
    active), the false activation (non-members active), ``ignited`` (a network burst
    starts within the window) and ``rejected`` (a spontaneous network burst overlaps the
    pre-cue window ``[t − reject_window, t)``, :func:`mgnet.analysis.memory_metrics.
    cues_in_bursts`).  The assembly read out is the stored pattern for stored and sham
    cues and the unencoded assembly for unencoded cues (``/recall/kind``; runs without
    it have stored cues only).
    """
    rec = run.recall
    members = np.asarray(run.patterns, bool)
    unenc = unencoded_members(run)
    te, ie = run.spikes[exc]
    n_exc = members.shape[1]
    t_cue = np.asarray(rec["t_cue"], float)
    kind = np.asarray(rec.get("kind", np.zeros(t_cue.size, np.int64)), np.int64)
    t_stop = float(run.protocol["recall"]["t_stop"]) if run.protocol else float(
        t_cue.max() + 1.0)
    bursts = network_bursts(run, 0.0, t_stop, exc, inh)
    rejected = mm.cues_in_bursts(t_cue, bursts, pre_window=reject_window, guard=BURST_GUARD)
    out = {k: np.full(t_cue.size, np.nan) for k in ("Q", "m", "hit", "fa", "v_cued",
                                                     "v_target", "v_ctrl")}
    out["ignited"] = np.zeros(t_cue.size, bool)
    for k in range(t_cue.size):
        t0 = t_cue[k]
        p = int(rec["pattern"][k])
        xi = unenc[p] if kind[k] == 2 else members[p]
        cued = np.asarray(rec["cued"][k], bool)
        rates = mm.rates_in_window(te, ie, n_exc, t0, t0 + window)
        q = mm.recall_q(rates, xi, cued)
        active = rates > 0
        out["Q"][k] = q["Q"]
        out["v_cued"][k], out["v_target"][k], out["v_ctrl"][k] = q["v_as"], q["v_ans"], q["v_ctrl"]
        out["m"][k] = mm.recall_overlap(active, xi, cued)
        tgt, ctrl = xi & ~cued, ~xi & ~cued
        out["hit"][k] = float(active[tgt].mean()) if tgt.any() else np.nan
        out["fa"][k] = float(active[ctrl].mean()) if ctrl.any() else np.nan
        if len(bursts):
            st = np.asarray(bursts["start"], float)
            out["ignited"][k] = bool(np.any((st >= t0 - BURST_GUARD) & (st < t0 + window)))
    out.update(kind=kind, pattern=np.asarray(rec["pattern"], np.int64),
               cue_fraction=np.asarray(rec["cue_fraction"], float), t_cue=t_cue,
               rejected=rejected, n_bursts=len(bursts))
    return out


def recall_metrics(run: RunData, *, window: float, reject_window: float = None,
                   exc: str = "exc", inh: str = "inh") -> dict:
    """Scalar recall metrics of a run (accepted cues only): per cue kind (``stored``,
    ``sham``, ``unencoded``) and cue fraction c, ``q_<kind>_cue_<c>``, ``m_...``,
    ``hit_...``, ``fa_...``, ``ignition_...`` (mean over cues), ``qe_...`` (Q over the
    early window :data:`EARLY_WINDOW`) and ``n_...`` (accepted cues); the same pooled
    over fractions (``q_<kind>`` ...); ``cues_total``,
    ``cues_rejected``, ``cues_rejected_fraction``; and for the stored cues the metrics
    of the earlier read-out (``overlap_trial_NNN``, NaN when rejected, ``overlap_mean``,
    ``overlap_cue_<c>``, ``hit_rate``, ``false_activation``, ``latency_median_ms``) on
    the same window."""
    reject_window = REJECT_WINDOW if reject_window is None else reject_window
    tr = recall_trials(run, window=window, reject_window=reject_window, exc=exc, inh=inh)
    early = recall_trials(run, window=EARLY_WINDOW, reject_window=reject_window, exc=exc,
                          inh=inh)
    tr["Qe"] = early["Q"]
    ok = ~tr["rejected"]
    out: dict[str, Any] = {"cues_total": int(ok.size), "cues_rejected": int((~ok).sum()),
                           "cues_rejected_fraction": float((~ok).mean()) if ok.size
                           else float("nan"),
                           "network_bursts_recall_total": int(tr["n_bursts"])}
    fracs = np.unique(tr["cue_fraction"])
    for code, kname in KIND_NAMES.items():
        sel = ok & (tr["kind"] == code)
        if not np.any(tr["kind"] == code):
            continue
        for c in list(fracs) + [None]:
            s_c = sel if c is None else sel & (tr["cue_fraction"] == c)
            suffix = kname if c is None else f"{kname}_cue_{c:g}"
            out[f"n_{suffix}"] = int(s_c.sum())
            for key, col in (("q", "Q"), ("m", "m"), ("hit", "hit"), ("fa", "fa"),
                             ("ignition", "ignited"), ("qe", "Qe")):
                v = np.asarray(tr[col], float)[s_c]
                v = v[np.isfinite(v)]
                out[f"{key}_{suffix}"] = float(v.mean()) if v.size else float("nan")
    # the earlier keys, from the accepted stored cues
    stored = np.flatnonzero(tr["kind"] == 0)
    ov = np.where(ok[stored], tr["m"][stored], np.nan)
    for j, v in enumerate(ov):
        out[f"overlap_trial_{j:03d}"] = float(v)
    for j, v in enumerate(np.where(ok[stored], tr["Q"][stored], np.nan)):
        out[f"q_trial_{j:03d}"] = float(v)
    fin = np.isfinite(ov)
    out["overlap_mean"] = float(ov[fin].mean()) if fin.any() else float("nan")
    cf = tr["cue_fraction"][stored]
    for c in np.unique(cf):
        v = ov[(cf == c) & fin]
        out[f"overlap_cue_{c:g}"] = float(v.mean()) if v.size else float("nan")
    sel = stored[ok[stored]]
    out["hit_rate"] = float(np.nanmean(tr["hit"][sel])) if sel.size else float("nan")
    out["false_activation"] = float(np.nanmean(tr["fa"][sel])) if sel.size else float("nan")
    te, ie = run.spikes[exc]
    members = np.asarray(run.patterns, bool)
    lat = [mm.recall_latency(te, ie, members[int(tr["pattern"][k])],
                             np.asarray(run.recall["cued"][k], bool), float(tr["t_cue"][k]),
                             t_max=float(tr["t_cue"][k]) + window) for k in sel]
    out["latency_median_ms"] = float(np.median(lat) * 1e3) if lat else float("nan")
    return out
