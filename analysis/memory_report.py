"""Memory encoding, capacity and retention (T10, T11; science.md §3, §6): per-run metrics,
report sections and figures.

Sections: "Memory encoding" (``memory-encoding``, :func:`memory_section`), "Memory
capacity" (``memory-capacity``, P varied, :func:`capacity_section`) and "Memory
retention" (``memory-retention``, long consolidation, :func:`retention_section`).

Every number comes from the arrays saved in the ``memory-encoding`` run files
(experiments/memory_encoding.py): E->E efficacy snapshots ``/synapses/ee/rho_sNNN`` with
``q_down`` and the rule's ``b`` (weight w = q_down (1 + (b − 1) ρ), Graupner & Brunel
2012), ``/patterns/members``, ``/recall/*`` and ``/spikes/exc``.  :func:`run_metrics` is
called by the experiment to fill ``/metrics`` and again by the report on the loaded
file, so the report never trusts a stored number it could not recompute.

Comparisons are paired on the seed (same connectivity, patterns, schedule and random
stream): paired bootstrap 95 % CIs of the difference and Cohen's d_z
(:func:`mgnet.analysis.statistics.paired_bootstrap`).

This module never imports brian2.
"""
from __future__ import annotations

import textwrap
import warnings
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np

from . import memory_metrics as mm
from .markdown import markdown_table
from .figures.style import CONDITION_ORDER as _STYLE_ORDER
from .figures.style import ci_label, save_figure
from .run_file import RunData


# --------------------------------------------------------------------------------------
# per-run metrics, computed once per report
# --------------------------------------------------------------------------------------
#: content fingerprint -> metrics; filled by the ``*recomputed`` functions, so that the
#: sections and the figures of one report (and the robustness study) recompute a run's
#: metrics once instead of once per caller.
_METRICS_CACHE: dict = {}
_METRICS_CACHE_MAX = 4096


def _fingerprint(run: RunData) -> str:
    """A digest of every field of ``run`` (attributes, spikes, tables, protocol, patterns,
    recall, extra arrays, metrics): content-addressed, so two RunData with the same data
    share it, whatever object or file they came from."""
    import dataclasses
    import hashlib
    h = hashlib.blake2b(digest_size=20)

    def add(name: str, value) -> None:
        if isinstance(value, Mapping):
            for k in sorted(value, key=str):
                add(f"{name}/{k}", value[k])
        elif isinstance(value, (tuple, list)) and any(
                isinstance(v, (np.ndarray, Mapping, tuple, list)) for v in value):
            for k, v in enumerate(value):
                add(f"{name}[{k}]", v)
        elif isinstance(value, np.ndarray) and not value.dtype.hasobject:
            a = np.ascontiguousarray(value)
            h.update(f"{name}|{a.dtype.str}|{a.shape}|".encode())
            h.update(a.tobytes())
        else:
            h.update(f"{name}|{value!r}|".encode())

    for f in dataclasses.fields(run):
        add(f.name, getattr(run, f.name))
    return h.hexdigest()


def _once_per_run(fn):
    """Cache ``fn(run)`` by the run's content (:func:`_fingerprint`); a copy is returned."""
    import functools

    @functools.wraps(fn)
    def wrapper(run: RunData) -> dict:
        key = (fn.__name__, _fingerprint(run))
        if key not in _METRICS_CACHE:
            if len(_METRICS_CACHE) >= _METRICS_CACHE_MAX:
                _METRICS_CACHE.clear()
            _METRICS_CACHE[key] = fn(run)
        return dict(_METRICS_CACHE[key])
    return wrapper

__all__ = ["PLANTED_EXPERIMENT", "planted_run_metrics", "planted_recomputed",
           "planted_section", "planted_figures", "noise_floor_section", "recall_trials",
           "recall_metrics", "unencoded_members", "network_bursts", "N_PSEUDO",
           "EXPERIMENT", "SNR_CRITERION", "CONDITION_ORDER", "COMPARISONS", "snapshots",
           "weights_at", "run_metrics", "paired_table", "memory_section", "load_memory_runs",
           "glun2b_arm", "condition_label", "positive_control", "comparisons", "HEADLINE",
           "CHRONIC",
           "KEY_METRICS", "CAPACITY_EXPERIMENT", "RETENTION_EXPERIMENT",
           "CAPACITY_THRESHOLD", "LIFETIME_LEVELS", "TRACE_LEVEL", "capacity_p_values",
           "capacity_subrun", "capacity_run_metrics", "capacity_recomputed",
           "retention_curves", "retention_metrics", "retention_recomputed",
           "capacity_section", "retention_section", "capacity_figures",
           "retention_figures"]

EXPERIMENT = "memory-encoding"
#: SNR an assembly must reach to count as encoded (presentations-to-criterion).  With the
#: bistable rule and half the contacts initially UP, the SNR of a fully potentiated
#: assembly is about 1 (σout is the UP/DOWN spread), so 0.5 is "half-way".
SNR_CRITERION = 0.5
#: Order of conditions in tables and figures (science.md §5): the one order of
#: :mod:`mgnet.analysis.figures.style`.
CONDITION_ORDER = _STYLE_ORDER
#: Label suffix of the chronic GluN2B arm (options.glun2b = "chronic", science.md §6).
CHRONIC = "+chronic"
#: (reference, test, question) of the paired comparisons (acute arm; the chronic arm
#: repeats the first five with :data:`CHRONIC` appended to both labels).
COMPARISONS = (("baseline", "elevated_mg", "T10: elevated Mg (both arms)"),
               ("baseline", "elevated_mg_o_only", "T10 ablation: [Mg]o only (NMDA block)"),
               ("baseline", "elevated_mg_i_only", "T10 ablation: [Mg]i only (configuration)"),
               ("baseline", "aged", "T11: aged vs young"),
               ("aged", "aged_elevated_mg", "T11: aged, elevated Mg vs aged"),
               ("elevated_mg", "elevated_mg_membrane_block_only",
                "T10 ablation: the block acts on the membrane current but not on the "
                "plasticity Ca2+ (vs elevated Mg)"))
#: The metrics judged in the comparisons (Holm correction over every comparison and arm
#: times these); the other rows of the tables are descriptive.
HEADLINE = ("dfup_after_encoding", "dfup_end", "q_stored_cue_0.5",
            "burst_rate_consolidation_per_min")
#: The positive control's frozen protocol (experiments/calibrate_memory.py writes it).
PROTOCOL_FILE = Path(__file__).resolve().parents[1] / "experiments" / "configs" / \
    "memory_protocol.toml"
#: Metrics shown in the comparison tables: name -> (label, format).
KEY_METRICS = {
    "snr_after_encoding": ("assembly SNR after encoding", "{:.3f}"),
    "snr_end": ("assembly SNR after consolidation", "{:.3f}"),
    "delta_w_in_rel": ("Δ⟨w⟩ inside assemblies, relative", "{:+.3f}"),
    "delta_w_out_rel": ("Δ⟨w⟩ outside assemblies, relative", "{:+.3f}"),
    "specificity": ("input specificity Δw_in − Δw_out (relative)", "{:+.3f}"),
    "presentations_to_criterion": (f"presentations to SNR {SNR_CRITERION}", "{:.2f}"),
    "overlap_mean": ("recall overlap m (all cues)", "{:.3f}"),
    "overlap_cue_0.5": ("recall overlap m, cue 0.5", "{:.3f}"),
    "hit_rate": ("non-cued members active", "{:.3f}"),
    "false_activation": ("non-members active", "{:.3f}"),
    "latency_median_ms": ("recall latency (median, ms)", "{:.1f}"),
    "bits_per_synapse_end": ("bits per synapse after consolidation", "{:.2e}"),
    "rho_both_after_encoding": ("mean ρ after encoding, pre and post stimulated", "{:.3f}"),
    "rho_post_only_after_encoding": ("mean ρ after encoding, post only stimulated", "{:.3f}"),
    "rho_neither_after_encoding": ("mean ρ after encoding, neither stimulated", "{:.3f}"),
    "state_turnover_consolidation": ("contacts switching UP↔DOWN in consolidation", "{:.3f}"),
    "silent_fraction_ee": ("silent E→E contacts (Pr = 0)", "{:.3f}"),
    "up_fraction_end": ("E→E contacts UP (ρ > ½) after consolidation", "{:.3f}"),
    "burst_rate_consolidation_per_min": ("network bursts / min in consolidation", "{:.1f}"),
    "dfup_after_encoding": ("Δf_UP after encoding (UP fraction in − other contacts)",
                            "{:+.3f}"),
    "dfup_z_after_encoding": ("z of Δf_UP after encoding (1000 pseudo-assemblies)",
                              "{:+.2f}"),
    "dfup_end": ("Δf_UP after consolidation", "{:+.3f}"),
    "dfup_z_end": ("z of Δf_UP after consolidation", "{:+.2f}"),
    "q_stored_cue_0.5": ("recall Q, 50 % cue, stored assemblies", "{:+.3f}"),
    "q_sham_cue_0.5": ("recall Q, 50 % cue, sham cues (control)", "{:+.3f}"),
    "q_unencoded_cue_0.5": ("recall Q, 50 % cue, unencoded assemblies (control)",
                            "{:+.3f}"),
    "m_stored_cue_0.5": ("overlap m, 50 % cue, stored assemblies", "{:+.3f}"),
    "cues_rejected_fraction": ("recall cues rejected (inside a spontaneous burst)",
                               "{:.3f}"),
}


# --------------------------------------------------------------------------------------
# one run
# --------------------------------------------------------------------------------------
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


def _snr_all(w, pre, post, members) -> float:
    return float(np.nanmean([mm.assembly_snr(w, pre, post, m) for m in members]))


def _in_out_means(w, pre, post, members):
    both, _ = mm._co_member(pre, post, members)
    return float(w[both].mean()), float(w[~both].mean())


def _burst_rate(run: RunData, t0: float, t1: float) -> float:
    from .bursts import detect_network_bursts
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


#: Pseudo-assemblies of the Δf_UP z-score (science.md §6: "many"; issue 14: >= 1000).
N_PSEUDO = 1000
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
    from .bursts import detect_network_bursts
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


PLANTED_EXPERIMENT = "memory-planted"


def planted_run_metrics(run: RunData) -> dict:
    """Scalar metrics of one memory-planted run (positive control), from its arrays.

    :func:`recall_metrics` over the run's ``recall_window_s`` (kind ``stored`` = the
    planted assembly), plus ``dfup_planted`` / ``dfup_z_planted`` (Δf_UP of the planted
    assembly and its z-score against :data:`N_PSEUDO` pseudo-assemblies of the same size
    from the excitatory cells, on the frozen efficacies ``rho_recall``) and
    ``dfup_unencoded`` / ``dfup_z_unencoded`` (mean over the unencoded assemblies), and
    ``q_margin_cue_<c>`` = Q of the planted cues minus the larger of the sham and
    unencoded Q at that cue fraction.
    """
    m = run.metrics
    ee = run.synapses["ee"]
    pre = np.asarray(ee["pre"], np.int64)
    post = np.asarray(ee["post"], np.int64)
    up = np.asarray(ee["rho_recall"], float) > 0.5
    out = recall_metrics(run, window=float(m["recall_window_s"]),
                         reject_window=float(m.get("reject_window_s", REJECT_WINDOW)))
    z = mm.up_fraction_z(up, pre, post, np.asarray(run.patterns, bool), n_pseudo=N_PSEUDO)
    out["dfup_planted"] = float(np.nanmean(z["delta"]))
    out["dfup_z_planted"] = float(np.nanmean(z["z"]))
    unenc = unencoded_members(run)
    if unenc.shape[0]:
        z = mm.up_fraction_z(up, pre, post, unenc, n_pseudo=N_PSEUDO, seed=1)
        out["dfup_unencoded"] = float(np.nanmean(z["delta"]))
        out["dfup_z_unencoded"] = float(np.nanmean(z["z"]))
    out["up_fraction_other"] = float(up[~(np.asarray(run.patterns, bool)[0][pre]
                                          & np.asarray(run.patterns, bool)[0][post])].mean())
    for c in sorted({float(x) for x in np.asarray(run.recall["cue_fraction"])}):
        for key in ("q", "qe"):
            ctrl = [out.get(f"{key}_{k}_cue_{c:g}", np.nan) for k in ("sham", "unencoded")]
            ctrl = [v for v in ctrl if np.isfinite(v)]
            q = out.get(f"{key}_stored_cue_{c:g}", np.nan)
            out[f"{key}_margin_cue_{c:g}"] = float(q - max(ctrl)) \
                if ctrl and np.isfinite(q) else float("nan")
    return out


@_once_per_run
def planted_recomputed(run: RunData) -> dict:
    """:func:`planted_run_metrics` recomputed from a loaded run file."""
    return planted_run_metrics(run)


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
    snr = np.array([_snr_all(weights_at(run, n, b), pre, post, members) for n in names])
    k_pre = int(np.flatnonzero(t <= t_spont + 1e-9)[-1])
    k_enc = int(np.flatnonzero(t <= t_enc + 1e-9)[-1])
    k_end = t.size - 1
    out: dict[str, Any] = {f"snr_s{k:03d}": float(v) for k, v in enumerate(snr)}
    w_pre, w_enc, w_end = (weights_at(run, names[k], b) for k in (k_pre, k_enc, k_end))
    in_pre, out_pre = _in_out_means(w_pre, pre, post, members)
    in_end, out_end = _in_out_means(w_end, pre, post, members)
    in_enc, out_enc = _in_out_means(w_enc, pre, post, members)
    out.update({
        "snr_before_encoding": float(snr[k_pre]),
        "snr_after_encoding": float(snr[k_enc]),
        "snr_end": float(snr[k_end]),
        "delta_w_in_rel": in_enc / in_pre - 1, "delta_w_out_rel": out_enc / out_pre - 1,
        "delta_w_in_rel_end": in_end / in_pre - 1, "delta_w_out_rel_end": out_end / out_pre - 1,
        "up_fraction_start": float(np.mean(np.asarray(ee[names[0]]) > 0.5)),
        "up_fraction_end": float(np.mean(np.asarray(ee[names[k_end]]) > 0.5)),
        "silent_fraction_ee": float(np.mean(np.asarray(ee["pr"]) == 0)),
    })
    out["specificity"] = out["delta_w_in_rel"] - out["delta_w_out_rel"]
    # mechanism: mean efficacy after encoding by which ends were stimulated
    anym = members.any(axis=0)
    rho_enc = np.asarray(ee[names[k_enc]], float)
    groups = {"both": np.zeros(pre.size, bool), "post_only": np.zeros(pre.size, bool),
              "pre_only": np.zeros(pre.size, bool)}
    for m in members:
        groups["both"] |= m[pre] & m[post]
        groups["post_only"] |= ~m[pre] & m[post]
        groups["pre_only"] |= m[pre] & ~m[post]
    groups["post_only"] &= ~groups["both"]
    groups["pre_only"] &= ~groups["both"] & ~groups["post_only"]
    groups["neither"] = ~anym[pre] & ~anym[post]
    for g, sel in groups.items():
        out[f"rho_{g}_after_encoding"] = float(rho_enc[sel].mean()) if sel.any() else float("nan")
    # state turnover (UP <-> DOWN) between the end of encoding and the last snapshot
    up_enc = rho_enc > 0.5
    up_end = np.asarray(ee[names[k_end]], float) > 0.5
    out["state_turnover_consolidation"] = float(np.mean(up_enc != up_end))
    # encoding speed: SNR after each round (element 0 = before encoding)
    enc = snr[k_pre:k_enc + 1]
    out["presentations_to_criterion"] = mm.presentations_to_criterion(enc, criterion)
    # forgetting over consolidation, relative to the end of encoding
    cons_t = t[k_enc:] - t[k_enc]
    cons = snr[k_enc:]
    out["snr_retained_fraction"] = (float(cons[-1] / cons[0]) if cons[0] > 0
                                    else float("nan"))
    out["lifetime_s"] = mm.lifetime(cons_t, cons, level=criterion) if cons.size else float("nan")
    bits = mm.bits_per_synapse(w_end, pre, post, members)
    out["bits_per_synapse_end"] = float(bits["bits_per_synapse"])
    out["bits_per_synapse_after_encoding"] = float(
        mm.bits_per_synapse(w_enc, pre, post, members)["bits_per_synapse"])
    # encoding metric Δf_UP (science.md §6) with its z-score against pseudo-assemblies
    up = {k: np.asarray(ee[names[k]], float) > 0.5 for k in (k_pre, k_enc, k_end)}
    for label, k in (("before_encoding", k_pre), ("after_encoding", k_enc), ("end", k_end)):
        z = mm.up_fraction_z(up[k], pre, post, members, n_pseudo=N_PSEUDO, seed=0)
        out[f"dfup_{label}"] = float(np.nanmean(z["delta"]))
        out[f"dfup_z_{label}"] = float(np.nanmean(z["z"]))
    for k, n in enumerate(names):
        out[f"dfup_s{k:03d}"] = float(np.nanmean(mm.up_fraction_difference(
            np.asarray(ee[n], float) > 0.5, pre, post, members)))
    unenc = unencoded_members(run)
    if unenc.shape[0]:
        out["dfup_unencoded_after_encoding"] = float(np.nanmean(
            mm.up_fraction_difference(up[k_enc], pre, post, unenc)))
    # recall: rate read-out Q, overlap m, controls, burst rejection
    out.update(recall_metrics(run, window=recall_window, reject_window=reject_window))
    out["burst_rate_consolidation_per_min"] = _burst_rate(
        run, proto["consolidation"]["t_start"], proto["consolidation"]["t_stop"])
    out["burst_rate_spontaneous_per_min"] = _burst_rate(
        run, min(1.0, t_spont / 2), t_spont)
    return out


# --------------------------------------------------------------------------------------
# across runs
# --------------------------------------------------------------------------------------
def load_memory_runs(results: Path, scale: str | None = None) -> list[RunData]:
    """Complete memory-encoding runs in ``results/runs`` (of one scale if given) on
    their default random stream (stream variants are the noise floor's,
    :func:`noise_floor_section`)."""
    from .memory_perturbations import split_perturbed   # robustness runs: own section
    from .run_file import list_runs, read_run
    paths = list_runs(Path(results) / "runs", EXPERIMENT, scale)
    runs = split_perturbed([(p, read_run(p)) for p in paths])[0]
    return [r for r in runs if _default_stream(r)]


@_once_per_run
def recomputed(run: RunData) -> dict:
    """:func:`run_metrics` recomputed from the loaded arrays."""
    return run_metrics(run, b=float(run.metrics["plasticity_b"]),
                       recall_window=float(run.metrics["recall_window_s"]),
                       reject_window=float(run.metrics.get("reject_window_s",
                                                           REJECT_WINDOW)))


def glun2b_arm(run: RunData) -> str:
    """``"chronic"`` if the run's resolved config asked for the chronic GluN2B arm."""
    import tomllib
    try:
        opts = tomllib.loads(str(run.attrs.get("config_toml", ""))).get("options", {})
    except tomllib.TOMLDecodeError:
        return "acute"
    return str(opts.get("glun2b", "acute"))


def condition_label(run: RunData) -> str:
    """The run's condition, with :data:`CHRONIC` appended for the chronic arm."""
    c = str(run.attrs["condition"])
    return c + CHRONIC if glun2b_arm(run) == "chronic" else c


def _by_condition_seed(runs: Sequence[RunData]) -> dict:
    out: dict = {}
    for r in runs:
        out.setdefault(condition_label(r), {})[int(r.attrs["seed"])] = r
    return out


def positive_control() -> dict:
    """The frozen protocol's record: ``positive_control`` (all targets met in >= 4 of 5
    calibration seeds), ``targets_met``, ``protocol``, ``git_commit`` ({} if absent)."""
    import tomllib
    if not PROTOCOL_FILE.exists():
        return {}
    data = tomllib.loads(PROTOCOL_FILE.read_text())
    return {"positive_control": bool(data.get("positive_control", False)),
            "targets_met": list(data.get("targets_met", [])),
            "protocol": str(data.get("protocol", "")),
            "options": dict(data.get("options", {})),
            "git_commit": str(data.get("provenance", {}).get("git_commit", ""))}


def comparisons(labels) -> list[tuple[str, str, str]]:
    """The comparisons whose two conditions both have runs: the acute ones of
    :data:`COMPARISONS` and, where chronic runs exist, the first five again in the
    chronic arm."""
    out = [(a, b, q) for a, b, q in COMPARISONS if a in labels and b in labels]
    out += [(a + CHRONIC, b + CHRONIC, q + " — chronic GluN2B arm")
            for a, b, q in COMPARISONS[:5] if a + CHRONIC in labels and b + CHRONIC in labels]
    return out


#: Fewest seed pairs for which a paired table gives an interval (and so a verdict): with
#: two pairs a bootstrap has three distinct resampled means, and its "interval" says
#: nothing (the capacity/retention sections at 2 seeds once read "higher"/"lower" from it).
MIN_PAIRS_FOR_CI = 3


def paired_table(metrics: Mapping[str, Mapping[int, Mapping]], ref: str, test: str,
                 names: Sequence[str], n_boot: int = 10000) -> list[dict]:
    """Paired comparison of ``test`` vs ``ref`` for each metric name.

    ``metrics`` maps condition -> seed -> metrics dict.  Only seeds present in both
    conditions with finite values enter.  Each row: ``metric``, ``n``, ``mean_ref``,
    ``mean_test``, ``diff``, ``ci_low``, ``ci_high``, ``d_z`` (mean/SD of the paired
    differences), ``p`` (sign-flip), ``resolved`` (+1/-1 if the CI excludes 0, else 0).
    """
    from .statistics import paired_bootstrap
    rows = []
    seeds = sorted(set(metrics.get(ref, {})) & set(metrics.get(test, {})))
    for name in names:
        a = np.array([metrics[ref][s].get(name, np.nan) for s in seeds], float)
        b = np.array([metrics[test][s].get(name, np.nan) for s in seeds], float)
        ok = np.isfinite(a) & np.isfinite(b)
        row = {"metric": name, "n": int(ok.sum()), "mean_ref": float("nan"),
               "mean_test": float("nan"), "diff": float("nan"), "ci_low": float("nan"),
               "ci_high": float("nan"), "d_z": float("nan"), "p": float("nan"),
               "resolved": 0}
        if ok.sum() >= 2:
            pb = paired_bootstrap(a[ok], b[ok], n_boot=n_boot)
            d = b[ok] - a[ok]
            sd = d.std(ddof=1)
            row.update(mean_ref=float(a[ok].mean()), mean_test=float(b[ok].mean()),
                       diff=float(d.mean()),
                       d_z=float(d.mean() / sd) if sd > 0 else float("nan"),
                       p=float(pb.p_value))
            if ok.sum() >= MIN_PAIRS_FOR_CI:
                row.update(ci_low=float(pb.diff_low), ci_high=float(pb.diff_high))
                row["resolved"] = int(np.sign(row["ci_low"])) if row["ci_low"] > 0 else (
                    -1 if row["ci_high"] < 0 else 0)
        rows.append(row)
    return rows


# --------------------------------------------------------------------------------------
# report section
# --------------------------------------------------------------------------------------
def _metrics_by_condition(runs: Sequence[RunData]) -> dict:
    """condition -> seed -> recomputed metrics."""
    out: dict = {}
    for cond, by_seed in _by_condition_seed(runs).items():
        out[cond] = {s: recomputed(r) for s, r in by_seed.items()}
    return out


def _fmt_ci(row: Mapping, fmt: str) -> str:
    if not np.isfinite(row["diff"]):
        return "n/a"
    if not np.isfinite(row["ci_low"]):
        return f"{fmt.format(row['diff'])} (no CI)"
    return (f"{fmt.format(row['diff'])} [{fmt.format(row['ci_low'])}, "
            f"{fmt.format(row['ci_high'])}]")


def _verdict_word(resolved: int) -> str:
    return {1: "higher", -1: "lower", 0: "not resolved"}[resolved]


def _arm_sentence(tables: Mapping[str, list[dict]], metric: str, label: str) -> str:
    """Which Mg arm carries the full effect on ``metric`` (by the ablations)."""
    def row(test):
        return next((r for r in tables.get(test, []) if r["metric"] == metric), None)
    full, o, i = row("elevated_mg"), row("elevated_mg_o_only"), row("elevated_mg_i_only")
    if full is None or not np.isfinite(full["diff"]):
        return f"{label}: no paired elevated_mg runs."
    fmt = KEY_METRICS.get(metric, ("", "{:.3g}"))[1]
    text = (f"{label}: elevated Mg changes it by {_fmt_ci(full, fmt)} "
            f"({_verdict_word(full['resolved'])}, n = {full['n']} seeds)")
    arms = []
    for name, r in (("extracellular block ([Mg]o only)", o),
                    ("presynaptic configuration ([Mg]i only)", i)):
        if r is not None and np.isfinite(r["diff"]):
            arms.append((name, r))
            text += f"; {name}: {_fmt_ci(r, fmt)}"
    if full["resolved"] != 0:
        same = [n for n, r in arms if r["resolved"] == full["resolved"]]
        if len(same) == 1:
            text += f". The {same[0]} arm alone reproduces the direction."
        elif len(same) == 2:
            text += ". Both arms alone move it in the same direction."
        else:
            text += ". Neither arm alone resolves it: the arms act together."
    else:
        text += "."
    return text


def _judge(tables: Mapping[str, list[dict]]) -> None:
    """Holm-adjust the p-values of the judged rows (:data:`HEADLINE` metrics of every
    comparison and arm) in place: ``p_holm`` and ``holm_resolved`` (+1/-1 if the CI
    excludes 0 *and* p_holm < 0.05, else 0); other rows get NaN / 0."""
    from .statistics import holm
    judged = [r for tab in tables.values() for r in tab
              if r["metric"] in HEADLINE and np.isfinite(r["p"])]
    for tab in tables.values():
        for r in tab:
            r["p_holm"], r["holm_resolved"] = float("nan"), 0
    if not judged:
        return
    adj = holm([r["p"] for r in judged])
    for r, p in zip(judged, adj):
        r["p_holm"] = float(p)
        r["holm_resolved"] = r["resolved"] if p < 0.05 else 0


def _control_caption() -> str:
    """One sentence on the positive control for the memory figures' captions."""
    pc = positive_control()
    if not pc:
        return "Positive control: not calibrated, so no comparison is interpretable."
    if pc["positive_control"]:
        return "Positive control: met on the calibration seeds."
    return ("Positive control: not met (targets met: "
            + (", ".join(pc["targets_met"]) or "none")
            + "), so these curves compare states that do not hold the encoded assemblies.")


def _control_sentence(pc: dict) -> str:
    if not pc:
        return ("**Positive control: not calibrated** (`mgnet calibrate-memory` has not "
                "been run); every comparison below is made without a working positive "
                "control.")
    if pc["positive_control"]:
        return (f"**Positive control: met.** The frozen protocol `{pc['protocol']}` "
                f"(experiments/configs/memory_protocol.toml, commit "
                f"{pc['git_commit'][:10]}) met every target on the calibration seeds.")
    met = ", ".join(pc["targets_met"]) or "none"
    return (f"**Positive control: not met.** On the calibration seeds (baseline, 1000-1004) "
            f"the frozen protocol `{pc['protocol']}` met only: {met} (of the four targets "
            "encoding, recall, retention, bands; experiments/configs/memory_protocol.toml, "
            f"commit {pc['git_commit'][:10]}): **every comparison below is made without a "
            "working positive control**, so a difference between conditions is a "
            "difference between states that do not hold the encoded assemblies "
            "(docs/plasticity.md §9 says why: in this culture a spontaneous network burst "
            "drives every contact to the fixed point an encoding presentation drives it "
            "to, and erases a trace within about 1.3 bursts).")


def memory_section(results: Path, scale: str | None = None, n_boot: int = 10000) -> str:
    """Markdown section for T10/T11 from the memory-encoding run files ('' if none)."""
    from .statistics import interval_description
    runs = load_memory_runs(results, scale)
    if not runs:
        return ""
    metrics = _metrics_by_condition(runs)
    conds = [c for c in CONDITION_ORDER if c in metrics] + sorted(
        c for c in metrics if c not in CONDITION_ORDER)
    m0 = runs[0].metrics
    lines = ["## Memory encoding (T10, T11)", "",
             f"`memory-encoding` runs: {len(runs)} ({', '.join(f'{c} {len(metrics[c])}' for c in conds)} "
             f"seeds); {int(m0.get('n_exc', 0)) + int(m0.get('n_inh', 0))} neurons, "
             f"{int(m0.get('n_contacts_ee', 0))} plastic E→E contacts, "
             f"{runs[0].patterns.shape[0]} assemblies of {int(runs[0].patterns[0].sum())} cells, "
             f"{float(m0.get('simulated_s', float('nan'))):.0f} s simulated per run; recall readout "
             f"{float(m0.get('recall_window_s', float('nan'))) * 1e3:.0f} ms after each cue. "
             "Every number below is recomputed from the saved spikes and weight snapshots "
             "(`analysis/memory_report.py`).  Conditions marked "
             f"`{CHRONIC}` are the chronic arm: the GluN2B fraction equilibrated to the "
             "condition's background NMDA Ca²⁺ load (models/glun2b_chronic.toml, `mgnet "
             "calibrate-glun2b`); the others are acute (default GluN2B fraction).", "",
             _control_sentence(positive_control()), "",
             "The null that earlier versions reported here (ρ ≈ 0.61 in every contact "
             "group) came from a normalisation bug: a culture contact's NMDA Ca²⁺ carried "
             "the network's gain calibration (q_ee_scale = 14), so one release gave "
             "C_pre,eff = 8.1 instead of 0.58 and crossed both thresholds "
             "(docs/plasticity.md §10).  These runs have the corrected rule.", ""]
    # per-condition means
    names = list(KEY_METRICS)
    head = ["metric"] + conds
    rows = []
    for n in names:
        label, fmt = KEY_METRICS[n]
        cells = [label]
        for c in conds:
            v = np.array([m.get(n, np.nan) for m in metrics[c].values()], float)
            v = v[np.isfinite(v)]
            cells.append("n/a" if not v.size else (fmt.format(v.mean()) + (
                f" ± {fmt.format(v.std(ddof=1))}" if v.size > 1 else "")))
        rows.append(cells)
    lines += ["Per condition (mean ± SD over seeds):", "", markdown_table(rows, head), ""]
    # paired comparisons, Holm over the judged family
    tables, questions = {}, {}
    for ref, test, question in comparisons(metrics):
        key = test if ref == "baseline" else f"{test}|{ref}"
        tables[key] = paired_table(metrics, ref, test, names, n_boot=n_boot)
        questions[key] = (ref, test, question)
    _judge(tables)
    n_judged = sum(1 for t in tables.values() for r in t
                   if r["metric"] in HEADLINE and np.isfinite(r["p"]))
    lines += [f"Paired on seed (test − reference), mean difference with its 95 % CI "
              f"({interval_description()}), Cohen's d_z, two-sided sign-flip p.  Judged "
              f"metrics (bold): {', '.join(KEY_METRICS[h][0] for h in HEADLINE)}; their "
              f"p-values are Holm-corrected over all {n_judged} judged comparisons "
              "(family: every comparison, arm and judged metric); a verdict needs the CI "
              "to exclude 0 and p (Holm) < 0.05.  Other rows are descriptive.", ""]
    for key, tab in tables.items():
        ref, test, question = questions[key]
        rows = []
        for r in tab:
            lab, fmt = KEY_METRICS[r["metric"]]
            judged = r["metric"] in HEADLINE
            rows.append([f"**{lab}**" if judged else lab, str(r["n"]), _fmt_ci(r, fmt),
                         f"{r['d_z']:+.2f}" if np.isfinite(r["d_z"]) else "n/a",
                         f"{r['p']:.3g}" if np.isfinite(r["p"]) else "n/a",
                         f"{r['p_holm']:.3g}" if np.isfinite(r["p_holm"]) else "—",
                         _verdict_word(r["holm_resolved"]) if judged else "descriptive"])
        lines += [f"**{question}** — {test} − {ref}:", "",
                  markdown_table(rows, ["metric", "n", "difference [95 % CI]", "d_z", "p",
                             "p (Holm)", "verdict"]), ""]
    # one-sentence outcomes
    lines += ["### Outcomes", ""]
    if "elevated_mg" in tables:
        t10 = tables["elevated_mg"]
        snr = next(r for r in t10 if r["metric"] == "snr_after_encoding")
        ov = next(r for r in t10 if r["metric"] == "overlap_mean")
        better = [r for r in (snr, ov) if r["resolved"] == 1]
        worse = [r for r in (snr, ov) if r["resolved"] == -1]
        encoded = {c: _encoded(snr["mean_ref" if c == "baseline" else "mean_test"],
                               ov["mean_ref" if c == "baseline" else "mean_test"])
                   for c in ("baseline", "elevated_mg")}
        if not any(encoded.values()):
            lines.append(
                f"- **T10.** In this model neither baseline nor elevated Mg encodes the "
                f"assemblies: assembly SNR after encoding {snr['mean_ref']:+.3f} and "
                f"{snr['mean_test']:+.3f} (an encoded assembly reaches "
                f"{ENCODED_SNR}), recall overlap {ov['mean_ref']:+.3f} and "
                f"{ov['mean_test']:+.3f} (perfect recall 1). The paired differences, "
                f"elevated_mg − baseline over n = {snr['n']} seeds, are SNR "
                f"{_fmt_ci(snr, '{:+.3f}')} and overlap {_fmt_ci(ov, '{:+.3f}')}: "
                "whatever their sign, they are differences between two unencoded states, "
                "so the model does not support better (or worse) encoding at elevated Mg.")
        else:
            verdict = ("encodes better" if better and not worse else
                       "encodes worse" if worse and not better else
                       "shows no resolved difference in encoding" if not better and not worse
                       else "gives mixed results")
            lines.append(f"- **T10.** In this model the culture at elevated Mg {verdict}: "
                         f"assembly SNR after encoding {_fmt_ci(snr, '{:+.3f}')}, recall "
                         f"overlap {_fmt_ci(ov, '{:+.3f}')} (elevated_mg − baseline, "
                         f"n = {snr['n']} paired seeds).")
        for metric in ("dfup_after_encoding", "dfup_end", "q_stored_cue_0.5",
                       "burst_rate_consolidation_per_min"):
            lines.append("  - " + _arm_sentence(tables, metric, KEY_METRICS[metric][0]))
        abl = tables.get("elevated_mg_membrane_block_only|elevated_mg")
        if abl:
            parts = [f"{KEY_METRICS[r['metric']][0]} {_fmt_ci(r, KEY_METRICS[r['metric']][1])}"
                     for r in abl if r["metric"] in HEADLINE]
            lines.append("  - Removing the block's effect on the plasticity Ca²⁺ (membrane "
                         "current still blocked at 1.2 mM) changes, relative to elevated "
                         "Mg: " + "; ".join(parts) + ".")
        chron = tables.get("elevated_mg" + CHRONIC)
        if chron:
            parts = [f"{KEY_METRICS[r['metric']][0]} {_fmt_ci(r, KEY_METRICS[r['metric']][1])}"
                     f" ({_verdict_word(r['holm_resolved'])})"
                     for r in chron if r["metric"] in HEADLINE]
            lines.append("  - Chronic arm (GluN2B equilibrated), elevated_mg − baseline: "
                         + "; ".join(parts) + ".")
    else:
        lines.append("- **T10.** Not measured (no paired baseline / elevated_mg runs).")
    # mechanism, from the pooled runs
    def pooled(name):
        v = np.array([m.get(name, np.nan) for c in conds for m in metrics[c].values()], float)
        return float(np.nanmean(v)) if np.isfinite(v).any() else float("nan")
    lines.append(
        f"- **Mechanism (all runs pooled).** After encoding, the mean efficacy ρ of contacts "
        f"whose pre- and postsynaptic cells were both stimulated is "
        f"{pooled('rho_both_after_encoding'):.3f}, postsynaptic only "
        f"{pooled('rho_post_only_after_encoding'):.3f}, neither "
        f"{pooled('rho_neither_after_encoding'):.3f}; "
        f"{100 * pooled('state_turnover_consolidation'):.0f} % of all E→E contacts switch "
        f"between UP and DOWN during consolidation, with "
        f"{pooled('burst_rate_consolidation_per_min'):.1f} network bursts/min.")
    if "aged" in tables:
        aged = tables["aged"]
        snr = next(r for r in aged if r["metric"] == "snr_after_encoding")
        ov = next(r for r in aged if r["metric"] == "overlap_mean")
        none = not (_encoded(snr["mean_ref"], ov["mean_ref"])
                    or _encoded(snr["mean_test"], ov["mean_test"]))
        s = ("- **T11.** " + ("Neither young nor aged networks encode the assemblies "
                              f"(SNR {snr['mean_ref']:+.3f} / {snr['mean_test']:+.3f}, overlap "
                              f"{ov['mean_ref']:+.3f} / {ov['mean_test']:+.3f}); the "
                              "differences that follow are between unencoded states. "
                              if none else "")
             + f"Aged vs young: assembly SNR after encoding {_fmt_ci(snr, '{:+.3f}')} "
             f"({_verdict_word(snr['resolved'])}), recall overlap {_fmt_ci(ov, '{:+.3f}')} "
             f"({_verdict_word(ov['resolved'])})")
        key = "aged_elevated_mg|aged"
        if key in tables:
            snr2 = next(r for r in tables[key] if r["metric"] == "snr_after_encoding")
            ov2 = next(r for r in tables[key] if r["metric"] == "overlap_mean")
            s += (f"; raising Mg in aged networks changes them by {_fmt_ci(snr2, '{:+.3f}')} "
                  f"({_verdict_word(snr2['resolved'])}) and {_fmt_ci(ov2, '{:+.3f}')} "
                  f"({_verdict_word(ov2['resolved'])})")
        lines.append(s + ".")
    else:
        lines.append("- **T11.** Not measured (no aged runs).")
    lines += ["", "Capacity (P varied) and retention over a long consolidation are the "
              "sections \"Memory capacity\" and \"Memory retention\" (experiments "
              "`memory-capacity`, `memory-retention`), where those runs exist.", "",
              "![memory encoding](figures/memory_curves.png)",
              "![memory recall](figures/memory_recall.png)", ""]
    return "\n".join(lines)


#: An assembly counts as encoded when its mean SNR after encoding reaches this or the
#: mean recall overlap reaches :data:`ENCODED_OVERLAP` (a convention of this report).
ENCODED_SNR = SNR_CRITERION
ENCODED_OVERLAP = 0.1


def _encoded(snr: float, overlap: float) -> bool:
    return bool((np.isfinite(snr) and snr >= ENCODED_SNR)
                or (np.isfinite(overlap) and overlap >= ENCODED_OVERLAP))


# --------------------------------------------------------------------------------------
# figures
# --------------------------------------------------------------------------------------
def memory_figures(results: Path, out_dir: Path, scale: str | None = None) -> list[Path]:
    """SNR curves, recall vs cue fraction, weight distributions and paired differences."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from .figures.memory import (plot_completion, plot_groups, plot_paired,
                                 plot_snr_curves, plot_weight_hist)
    runs = load_memory_runs(results, scale)
    if not runs:
        return []
    by = _by_condition_seed(runs)
    conds = [c for c in CONDITION_ORDER if c in by] + sorted(c for c in by
                                                            if c not in CONDITION_ORDER)
    metrics = {c: {s: recomputed(r) for s, r in by[c].items()} for c in conds}
    curves, completion, hists = {}, {}, {}
    for c in conds:
        ts, ys = [], []
        for s, r in sorted(by[c].items()):
            t, _, _ = snapshots(r)
            m = metrics[c][s]
            ts.append(t - r.protocol["encoding"]["t_start"])
            ys.append([m[f"snr_s{k:03d}"] for k in range(t.size)])
        n = min(len(t) for t in ts)
        curves[c] = (ts[0][:n], np.array([y[:n] for y in ys]))
        cf = sorted({float(k.split("_")[-1]) for k in metrics[c][next(iter(metrics[c]))]
                     if k.startswith("overlap_cue_")})
        completion[c] = (np.array(cf), np.array([[metrics[c][s].get(f"overlap_cue_{x:g}", np.nan)
                                                  for x in cf] for s in metrics[c]]))
        r = by[c][min(by[c])]
        _, _, names = snapshots(r)
        b = float(r.metrics["plasticity_b"])
        ee = r.synapses["ee"]
        both, _ = mm._co_member(np.asarray(ee["pre"]), np.asarray(ee["post"]),
                                np.asarray(r.patterns, bool))
        w = weights_at(r, names[-1], b)
        hists[c] = (w[both], w[~both])
    out_dir = Path(out_dir)
    written = []
    groups = {c: {g: np.array([metrics[c][s][f"rho_{g}_after_encoding"]
                               for s in metrics[c]])
                  for g in ("both", "post_only", "pre_only", "neither")} for c in conds}
    fig, axes = plt.subplots(1, 3, figsize=(15, 3.8))
    plot_snr_curves(axes[0], curves, t_encoding_end=float(
        runs[0].protocol["encoding"]["t_stop"] - runs[0].protocol["encoding"]["t_start"]))
    plot_completion(axes[1], completion)
    plot_groups(axes[2], groups)
    fig.tight_layout()
    p = out_dir / "memory_curves.png"
    n_txt = ", ".join(f"{len(metrics[c])} {c}" for c in conds)
    save_figure(fig, p, 120, caption=(
        "Memory encoding (T10/T11): assembly weight SNR over encoding (grey) and "
        "consolidation (line = mean over seeds, band = range over seeds); recall overlap m "
        "against cue fraction (mean, bars = range over seeds); mean efficacy ρ after "
        "encoding by which ends of a contact were stimulated (bar = mean, dots = seeds, no "
        f"error bars). n = {n_txt} seeds. {_control_caption()}"))
    written.append(p)
    pairs = {}
    for ref, test, q in COMPARISONS:
        if ref in metrics and test in metrics:
            seeds = sorted(set(metrics[ref]) & set(metrics[test]))
            pairs[f"{test} − {ref}"] = {
                k: np.array([metrics[test][s][k] - metrics[ref][s][k] for s in seeds])
                for k in ("snr_after_encoding", "overlap_mean")}
    fig, axes = plt.subplots(1, 3, figsize=(13, 3.8))
    plot_paired(axes[0], pairs, "snr_after_encoding", "Δ assembly SNR after encoding")
    plot_paired(axes[1], pairs, "overlap_mean", "Δ recall overlap")
    plot_weight_hist(axes[2], hists)
    fig.tight_layout()
    p = out_dir / "memory_recall.png"
    n_pairs = ", ".join(f"{k}: {len(v['overlap_mean'])}" for k, v in pairs.items())
    save_figure(fig, p, 120, caption=(
        "Paired differences between conditions on the same seeds (dots = seeds, line = "
        "mean; no error bars here, the report's table gives the paired "
        f"{ci_label()}s) of the assembly SNR after encoding and the recall overlap; right: "
        "E→E weights inside (solid) and outside (dotted) the assemblies after consolidation, "
        f"one seed per condition. n = {n_pairs or 'no'} seed pairs. {_control_caption()}"))
    written.append(p)
    return written


# ======================================================================================
# memory-capacity (P varied) and memory-retention (long consolidation)
# ======================================================================================
CAPACITY_EXPERIMENT = "memory-capacity"
RETENTION_EXPERIMENT = "memory-retention"
#: Median recall overlap (non-cued members minus non-members active) above which P
#: stored assemblies count as recalled: the report's :data:`ENCODED_OVERLAP`.  With
#: one or no network burst per cue the overlap of unrecalled patterns is 0.000 ± 0.003
#: (memory-encoding), so 0.1 is far above chance and far below perfect recall (1).
CAPACITY_THRESHOLD = ENCODED_OVERLAP
#: Forgetting levels of the assembly SNR: science.md §6 ("lifetime until SNR < 1") and
#: the report's encoding criterion (a fully potentiated assembly of the bistable rule
#: reaches SNR ≈ 1 only, so SNR < 1 is crossed almost at once).
LIFETIME_LEVELS = {"lifetime_snr1_s": 1.0, "lifetime_snr05_s": SNR_CRITERION}
#: κ level of the weight-trace lifetime: 1/e, the time constant of an exponential decay.
TRACE_LEVEL = float(np.exp(-1))

CAPACITY_KEYS = {
    "overlap_median": ("median recall overlap of the encoded assemblies", "{:+.3f}"),
    "control_overlap_median": ("median recall overlap of unencoded assemblies (control)",
                               "{:+.3f}"),
    "snr_after_encoding": ("assembly SNR after encoding", "{:+.3f}"),
    "specificity": ("input specificity Δw_in − Δw_out (relative)", "{:+.3f}"),
    "hit_rate": ("non-cued members active", "{:.3f}"),
    "false_activation": ("non-members active", "{:.3f}"),
}
RETENTION_KEYS = {
    "snr_after_encoding": ("assembly SNR after encoding", "{:+.3f}"),
    "snr_end": ("assembly SNR after consolidation", "{:+.3f}"),
    "lifetime_snr1_s": ("lifetime until SNR < 1 (s)", "{:.1f}"),
    "lifetime_snr05_s": (f"lifetime until SNR < {SNR_CRITERION} (s)", "{:.1f}"),
    "forgetting_tau_s": ("forgetting time constant τ of SNR (s; encoded runs only)",
                         "{:.1f}"),
    "kappa_end": ("κ of the UP/DOWN states, end of encoding vs end of consolidation",
                  "{:.3f}"),
    "trace_lifetime_s": ("weight-trace lifetime, κ < 1/e (s)", "{:.1f}"),
    "trace_tau_s": ("weight-trace time constant, exponential fit of κ (s)", "{:.1f}"),
    "overlap_mean": ("recall overlap after consolidation", "{:+.3f}"),
    "state_turnover_consolidation": ("contacts switching UP↔DOWN in consolidation",
                                     "{:.3f}"),
    "burst_rate_consolidation_per_min": ("network bursts / min in consolidation", "{:.1f}"),
}


# --------------------------------------------------------------------------------------
# capacity: one run file = one condition x seed, one simulation per P
# --------------------------------------------------------------------------------------
def capacity_p_values(run: RunData) -> list[int]:
    """The numbers of encoded assemblies P simulated in a memory-capacity run."""
    return [int(p) for p in np.asarray(run.arrays["/capacity/p_values"]).ravel()]


def capacity_subrun(run: RunData, P: int) -> RunData:
    """The simulation with P encoded assemblies as a memory-encoding-shaped RunData.

    Spikes ``exc_p<P>``/``inh_p<P>`` become ``exc``/``inh``, the columns
    ``rho_p<P>_sNNN`` become ``rho_sNNN``; patterns and recall trials are restricted to
    the P encoded assemblies, so :func:`run_metrics` applies unchanged.
    """
    ee = run.synapses["ee"]
    prefix = f"rho_p{P}_"
    table = {k: v for k, v in ee.items() if not k.startswith("rho_")}
    table.update({"rho_" + k[len(prefix):]: v for k, v in ee.items()
                  if k.startswith(prefix)})
    pattern = np.asarray(run.recall["pattern"])
    kind = np.asarray(run.recall.get("kind", np.zeros(pattern.size, np.int64)))
    # stored and sham cues of the P encoded assemblies, and every unencoded control
    keep = (kind == 2) | (pattern < P)
    recall = {k: np.asarray(v)[keep] for k, v in run.recall.items()}
    return RunData(attrs=run.attrs,
                   spikes={"exc": run.spikes[f"exc_p{P}"], "inh": run.spikes[f"inh_p{P}"]},
                   synapses={"ee": table}, protocol=run.protocol,
                   patterns=np.asarray(run.patterns, bool)[:P], recall=recall,
                   arrays=run.arrays, metrics=run.metrics)


def _trial_overlaps(spikes, members, recall, trials, window) -> np.ndarray:
    """Recall overlap of the given trials (cued pattern's members vs non-members)."""
    te, ie = spikes
    n_exc = members.shape[1]
    out = []
    for k in trials:
        t0 = float(recall["t_cue"][k])
        active = mm.active_from_spikes(te, ie, n_exc, t0, t0 + window)
        out.append(mm.recall_overlap(active, members[int(recall["pattern"][k])],
                                     np.asarray(recall["cued"][k], bool)))
    return np.asarray(out, float)


def _nanmedian(v) -> float:
    v = np.asarray(v, float)
    v = v[np.isfinite(v)]
    return float(np.median(v)) if v.size else float("nan")


def capacity_run_metrics(run: RunData, *, b: float, recall_window: float,
                         threshold: float = CAPACITY_THRESHOLD,
                         reject_window: float = None) -> dict:
    """Scalar metrics of one memory-capacity run, from its saved arrays.

    For every P: all :func:`run_metrics` of the simulation with P encoded assemblies,
    prefixed ``p<P>_`` (``p<P>_overlap_trial_NNN`` are the encoded assemblies' recall
    trials), plus ``p<P>_overlap_median`` (their median) and
    ``p<P>_control_overlap_median`` (median over the cues of the assemblies that were
    *not* encoded in that simulation; NaN for P = n_patterns).  ``capacity``:
    :func:`mgnet.analysis.memory_metrics.capacity` of the medians against ``threshold``.
    """
    members = np.asarray(run.patterns, bool)
    pattern = np.asarray(run.recall["pattern"])
    kind = np.asarray(run.recall.get("kind", np.zeros(pattern.size, np.int64)))
    p_values = capacity_p_values(run)
    out: dict[str, Any] = {}
    medians = []
    for P in p_values:
        m = run_metrics(capacity_subrun(run, P), b=b, recall_window=recall_window,
                        reject_window=reject_window)
        out.update({f"p{P}_{k}": v for k, v in m.items()})
        enc = [v for k, v in m.items() if k.startswith("overlap_trial_")]
        out[f"p{P}_overlap_median"] = _nanmedian(enc)
        ctrl = _trial_overlaps(run.spikes[f"exc_p{P}"], members, run.recall,
                               np.flatnonzero((pattern >= P) & (kind == 0)),
                               recall_window)
        out[f"p{P}_control_overlap_median"] = _nanmedian(ctrl)
        medians.append(out[f"p{P}_overlap_median"])
    out["capacity"] = mm.capacity(p_values, medians, threshold)
    out["capacity_threshold"] = float(threshold)
    out["n_patterns_drawn"] = int(members.shape[0])
    return out


@_once_per_run
def capacity_recomputed(run: RunData) -> dict:
    """:func:`capacity_run_metrics` recomputed from a loaded run file."""
    return capacity_run_metrics(run, b=float(run.metrics["plasticity_b"]),
                                recall_window=float(run.metrics["recall_window_s"]),
                                reject_window=float(run.metrics.get("reject_window_s",
                                                                    REJECT_WINDOW)))


# --------------------------------------------------------------------------------------
# retention: forgetting curve of the assemblies and of the whole weight configuration
# --------------------------------------------------------------------------------------
def retention_curves(run: RunData) -> dict:
    """Curves over consolidation, t from the end of encoding (s).

    ``t``; ``snr`` (assembly SNR, mean over patterns, :func:`run_metrics`'s
    definition); ``kappa`` (:func:`mgnet.analysis.memory_metrics.state_kappa` of every E->E
    contact's UP/DOWN state, ρ > ½, against the end of encoding).
    """
    ee = run.synapses["ee"]
    b = float(run.metrics["plasticity_b"])
    pre = np.asarray(ee["pre"], np.int64)
    post = np.asarray(ee["post"], np.int64)
    members = np.asarray(run.patterns, bool)
    t, _, names = snapshots(run)
    k_enc = int(np.flatnonzero(t <= run.protocol["encoding"]["t_stop"] + 1e-9)[-1])
    names = names[k_enc:]
    snr = np.array([_snr_all(weights_at(run, n, b), pre, post, members) for n in names])
    ref = np.asarray(ee[names[0]], float) > 0.5
    kappa = mm.state_kappa(ref, np.array([np.asarray(ee[n], float) > 0.5 for n in names]))
    return {"t": t[k_enc:] - t[k_enc], "snr": snr, "kappa": np.asarray(kappa, float)}


def retention_metrics(run: RunData) -> dict:
    """Forgetting and weight-trace metrics of one memory-retention run.

    ``lifetime_snr1_s`` / ``lifetime_snr05_s``: first time after encoding at which the
    assembly SNR falls below 1 (science.md §6) / 0.5 (:func:`mgnet.analysis.memory_metrics.
    lifetime`; 0 if it is below already at the end of encoding, ``inf`` if it never
    falls below within the consolidation); ``forgetting_tau_s``: time constant of an
    exponential fit of SNR(t) (:func:`mgnet.analysis.memory_metrics.forgetting_curve`), NaN
    unless the SNR after encoding reaches :data:`ENCODED_SNR` (a fit to noise is not a
    forgetting curve); ``kappa_end``, ``trace_lifetime_s`` (κ < 1/e) and
    ``trace_tau_s`` (exponential fit of κ) for the weight configuration left by
    encoding; ``consolidation_s``: the time covered.
    """
    c = retention_curves(run)
    t, snr, kappa = c["t"], c["snr"], c["kappa"]
    out: dict[str, Any] = {k: mm.lifetime(t, snr, level) for k, level in
                           LIFETIME_LEVELS.items()}
    out["forgetting_tau_s"] = (mm.forgetting_curve(t, snr, level=1.0)["tau"]
                               if snr[0] >= ENCODED_SNR else float("nan"))
    out["kappa_end"] = float(kappa[-1])
    out["trace_lifetime_s"] = mm.trace_lifetime(t, kappa, TRACE_LEVEL)
    fit = mm.forgetting_curve(t, kappa, level=TRACE_LEVEL)
    out["trace_tau_s"] = float(fit["tau"])
    out["consolidation_s"] = float(t[-1])
    return out


@_once_per_run
def retention_recomputed(run: RunData) -> dict:
    """:func:`run_metrics` and :func:`retention_metrics` recomputed from a loaded file."""
    return dict(recomputed(run), **retention_metrics(run))


# --------------------------------------------------------------------------------------
# report sections
# --------------------------------------------------------------------------------------
def _load(results: Path, experiment: str, scale: str | None):
    from .run_file import list_runs, read_run
    return [read_run(p) for p in list_runs(Path(results) / "runs", experiment, scale)]


def _ordered(conds) -> list[str]:
    return [c for c in CONDITION_ORDER if c in conds] + sorted(
        c for c in conds if c not in CONDITION_ORDER)


def _summary(values, fmt: str, horizon: float | None = None) -> str:
    """mean ± SD over seeds; with infinite values (never crossed within ``horizon``)
    the median and how many runs did not cross."""
    v = np.asarray(values, float)
    v = v[~np.isnan(v)]
    if not v.size:
        return "n/a"
    if np.isinf(v).any():
        med = np.median(v)
        never = int(np.isinf(v).sum())
        h = f"> {horizon:.0f}" if horizon is not None else "∞"
        return (f"median {h if np.isinf(med) else fmt.format(med)} "
                f"({never}/{v.size} runs {h})")
    return fmt.format(v.mean()) + (f" ± {fmt.format(v.std(ddof=1))}" if v.size > 1 else "")


def _paired_tables(metrics, names, n_boot) -> dict:
    tables = {}
    for ref, test, question in COMPARISONS:
        if ref in metrics and test in metrics:
            tables[(ref, test, question)] = paired_table(metrics, ref, test, names,
                                                         n_boot=n_boot)
    return tables


def _signed(fmt: str) -> str:
    return fmt if "{:+" in fmt else fmt.replace("{:", "{:+", 1)


def _paired_md(tables, labels) -> list[str]:
    lines = []
    for (ref, test, question), tab in tables.items():
        rows = [[labels[r["metric"]][0], str(r["n"]),
                 _fmt_ci(r, _signed(labels[r["metric"]][1])),
                 f"{r['d_z']:+.2f}" if np.isfinite(r["d_z"]) else "n/a",
                 f"{r['p']:.3g}" if np.isfinite(r["p"]) else "n/a",
                 _verdict_word(r["resolved"])] for r in tab]
        lines += [f"**{question}** — paired on seed, {test} − {ref}, mean difference "
                  f"[95 % bootstrap CI, from {MIN_PAIRS_FOR_CI} seed pairs on; fewer: no "
                  "interval and no verdict], Cohen's d_z, sign-flip p:", "",
                  markdown_table(rows, ["metric", "n", "difference", "d_z", "p", "CI verdict"]), ""]
    return lines


def _row(tables, test, metric):
    for (ref, t, _), tab in tables.items():
        if t == test and ref == "baseline":
            return next((r for r in tab if r["metric"] == metric), None)
    return None


def capacity_section(results: Path, scale: str | None = None, n_boot: int = 10000) -> str:
    """Markdown section "Memory capacity" from the memory-capacity run files ('' if none)."""
    runs = _load(results, CAPACITY_EXPERIMENT, scale)
    if not runs:
        return ""
    by = _by_condition_seed(runs)
    conds = _ordered(by)
    metrics = {c: {s: capacity_recomputed(r) for s, r in by[c].items()} for c in conds}
    r0 = runs[0]
    m0 = r0.metrics
    p_values = capacity_p_values(r0)
    thr = float(metrics[conds[0]][min(metrics[conds[0]])]["capacity_threshold"])
    t = r0.protocol
    lines = ["## Memory capacity (P varied; T10, T11)", "",
             f"`memory-capacity` runs: {len(runs)} "
             f"({', '.join(f'{c} {len(by[c])}' for c in conds)} seeds); "
             f"{int(m0.get('n_exc', 0)) + int(m0.get('n_inh', 0))} neurons, "
             f"{r0.patterns.shape[0]} assemblies of {int(r0.patterns[0].sum())} cells drawn "
             f"per seed (independent random subsets), P = "
             f"{', '.join(map(str, p_values))} of them encoded, one simulation each"
             + (f" ({float(m0['simulated_s']):.0f} s simulated per P)"
                if np.isfinite(float(m0.get('simulated_s', np.nan))) else "")
             + ". Every "
             "assembly has its own presentation slot in every round, so an encoded "
             "assembly gets the same presentations at the same times for every P; the "
             "unencoded assemblies are cued as a chance-level control. Recall "
             f"{t['recall']['t_start'] - t['encoding']['t_stop']:.0f} s after encoding "
             f"(consolidation {t['consolidation']['t_stop'] - t['consolidation']['t_start']:.0f}"
             f" s), readout {float(m0.get('recall_window_s', np.nan)) * 1e3:.0f} ms after "
             f"each cue. **Capacity** = the largest P whose median recall overlap exceeds "
             f"{thr:g}, taking P in increasing order up to the first failure (0: nothing "
             f"recalled at P = {p_values[0]}; {p_values[-1]}: a lower bound); per "
             "condition from the trials of all seeds pooled, per seed for the paired "
             "comparison. Recomputed from the saved spikes and weight snapshots.", ""]
    head = ["metric", "P"] + conds
    rows = []
    for key, (label, fmt) in CAPACITY_KEYS.items():
        for P in p_values:
            cells = [label, str(P)]
            for c in conds:
                if key == "overlap_median":
                    trials = [v for m in metrics[c].values() for k, v in m.items()
                              if k.startswith(f"p{P}_overlap_trial_")]
                    med = _nanmedian(trials)
                    cells.append("n/a" if not np.isfinite(med) else
                                 f"{fmt.format(med)} (pooled, {len(trials)} "
                                 f"cue{'s' if len(trials) != 1 else ''})")
                else:
                    cells.append(_summary([m.get(f"p{P}_{key}", np.nan)
                                           for m in metrics[c].values()], fmt))
            rows.append(cells)
    pooled = {}
    for c in conds:
        P_trial, ov = [], []
        for m in metrics[c].values():
            for P in p_values:
                v = [x for k, x in m.items() if k.startswith(f"p{P}_overlap_trial_")]
                P_trial += [P] * len(v)
                ov += v
        pooled[c] = mm.capacity_from_trials(P_trial, ov, thr)
    rows.append(["capacity (pooled trials)", "—"]
                + [f"{pooled[c]['capacity']:g}" for c in conds])
    rows.append(["capacity per seed", "—"]
                + [_summary([m["capacity"] for m in metrics[c].values()], "{:.2f}")
                   for c in conds])
    lines += ["Per condition (mean ± SD over seeds unless marked pooled):", "",
              markdown_table(rows, head), ""]
    names = ["capacity"] + [f"p{P}_{k}" for P in p_values
                            for k in ("overlap_median", "snr_after_encoding")]
    labels = {"capacity": ("capacity (per seed)", "{:+.2f}")}
    for P in p_values:
        labels[f"p{P}_overlap_median"] = (f"median recall overlap, P = {P}", "{:+.3f}")
        labels[f"p{P}_snr_after_encoding"] = (f"assembly SNR after encoding, P = {P}",
                                              "{:+.3f}")
    tables = _paired_tables(metrics, names, n_boot)
    lines += _paired_md(tables, labels)
    lines += ["### Outcomes", ""]
    best = {c: np.nanmax(pooled[c]["median"]) if np.isfinite(pooled[c]["median"]).any()
            else np.nan for c in conds}
    snr1 = {c: np.nanmean([m.get(f"p{p_values[0]}_snr_after_encoding", np.nan)
                           for m in metrics[c].values()]) for c in conds}
    if all(pooled[c]["capacity"] == 0 for c in conds):
        lines.append(
            f"- **Capacity.** In this model no condition recalls any assembly at any P: "
            f"the largest median recall overlap is "
            + ", ".join(f"{best[c]:+.3f} ({c})" for c in conds)
            + f", below the threshold {thr:g}, and even a single encoded assembly "
            f"(P = {p_values[0]}) ends encoding at SNR "
            + ", ".join(f"{snr1[c]:+.3f} ({c})" for c in conds)
            + f". The capacity is 0 in every condition: a floor that says nothing was "
            "recalled, not that the conditions store equally little, so the model "
            "cannot say whether elevated Mg raises the capacity.")
    else:
        text = ("- **Capacity.** Capacity (pooled trials, median overlap > "
                f"{thr:g}): " + ", ".join(f"{c} {pooled[c]['capacity']:g}" for c in conds))
        r = _row(tables, "elevated_mg", "capacity")
        if r is not None and np.isfinite(r["diff"]):
            text += (f"; per seed, elevated_mg − baseline = {_fmt_ci(r, '{:+.2f}')} "
                     f"({_verdict_word(r['resolved'])}, n = {r['n']} paired seeds)")
        lines.append(text + ".")
    ctrl = [m.get(f"p{P}_control_overlap_median", np.nan) for c in conds
            for m in metrics[c].values() for P in p_values]
    ctrl = np.asarray(ctrl, float)
    if np.isfinite(ctrl).any():
        lines.append(f"- **Control.** Cues of assemblies that were not encoded give a "
                     f"median overlap of {np.nanmedian(ctrl):+.3f} (all conditions and P "
                     "pooled): the chance level of this readout.")
    lines += ["", "![memory capacity](figures/memory_capacity.png)", ""]
    return "\n".join(lines)


def retention_section(results: Path, scale: str | None = None, n_boot: int = 10000) -> str:
    """Markdown section "Memory retention" from the memory-retention run files ('' if
    none)."""
    runs = _load(results, RETENTION_EXPERIMENT, scale)
    if not runs:
        return ""
    by = _by_condition_seed(runs)
    conds = _ordered(by)
    metrics = {c: {s: retention_recomputed(r) for s, r in by[c].items()} for c in conds}
    r0 = runs[0]
    m0 = r0.metrics
    proto = r0.protocol
    horizon = proto["consolidation"]["t_stop"] - proto["encoding"]["t_stop"]
    t, _, _ = snapshots(r0)
    dt = float(np.median(np.diff(t))) if t.size > 1 else float("nan")
    lines = ["## Memory retention (consolidation time varied; T10, T11)", "",
             f"`memory-retention` runs: {len(runs)} "
             f"({', '.join(f'{c} {len(by[c])}' for c in conds)} seeds); "
             f"{int(m0.get('n_exc', 0)) + int(m0.get('n_inh', 0))} neurons, "
             f"{r0.patterns.shape[0]} assemblies of {int(r0.patterns[0].sum())} cells "
             "encoded as in memory-encoding, then one long consolidation of "
             f"{horizon:.0f} s under spontaneous network bursts with a snapshot of every "
             f"E→E efficacy each {dt:g} s (the forgetting curve), recall at its end. "
             "Lifetimes are the first time after encoding at which the curve falls "
             f"below the level (0 if below already at the end of encoding, > {horizon:.0f} s "
             "if never). The assembly SNR is science.md's; κ (Cohen's kappa of every "
             "contact's UP/DOWN state against the end of encoding, 1 unchanged, 0 "
             "chance) follows the whole weight configuration that encoding left, "
             "assembly-specific or not. Recomputed from the saved spikes and weight "
             "snapshots.", ""]
    head = ["metric"] + conds
    rows = []
    for key, (label, fmt) in RETENTION_KEYS.items():
        rows.append([label] + [_summary([m.get(key, np.nan) for m in metrics[c].values()],
                                        fmt, horizon) for c in conds])
    lines += ["Per condition (mean ± SD over seeds):", "", markdown_table(rows, head), ""]
    names = ["snr_end", "lifetime_snr1_s", "lifetime_snr05_s", "kappa_end",
             "trace_lifetime_s", "trace_tau_s", "overlap_mean",
             "burst_rate_consolidation_per_min"]
    tables = _paired_tables(metrics, names, n_boot)
    lines += _paired_md(tables, RETENTION_KEYS)
    lines += ["### Outcomes", ""]

    def mean(c, key):
        v = np.array([m.get(key, np.nan) for m in metrics[c].values()], float)
        return float(np.nanmean(v)) if np.isfinite(v).any() else float("nan")

    def med(c, key):
        v = np.array([m.get(key, np.nan) for m in metrics[c].values()], float)
        v = v[~np.isnan(v)]
        if not v.size:
            return "n/a"
        x = float(np.median(v))
        return f"> {horizon:.0f} s" if np.isinf(x) else f"{x:.1f} s"

    snr = {c: mean(c, "snr_after_encoding") for c in conds}
    if not any(np.isfinite(v) and v >= ENCODED_SNR for v in snr.values()):
        lines.append(
            "- **Forgetting curve.** In this model there is nothing to forget: no "
            "condition encodes the assemblies (mean SNR after encoding "
            + ", ".join(f"{snr[c]:+.3f} ({c})" for c in conds)
            + f"; an encoded assembly reaches ≈ {ENCODED_SNR:g}–1), so the forgetting "
            "curves stay at the noise level and the lifetimes until SNR < 1 and < "
            f"{SNR_CRITERION:g} are 0 s by definition; they do not compare retention "
            "between conditions.")
    else:
        text = ("- **Forgetting curve.** Median lifetime until SNR < 1 / < "
                f"{SNR_CRITERION:g}: " + "; ".join(
                    f"{c} {med(c, 'lifetime_snr1_s')} / {med(c, 'lifetime_snr05_s')}"
                    for c in conds))
        r = _row(tables, "elevated_mg", "lifetime_snr05_s")
        if r is not None and np.isfinite(r["diff"]):
            text += (f"; lifetime until SNR < {SNR_CRITERION:g}, elevated_mg − baseline = "
                     f"{_fmt_ci(r, '{:+.1f}')} s ({_verdict_word(r['resolved'])}, "
                     f"n = {r['n']} seeds in which both forget within {horizon:.0f} s)")
        r = _row(tables, "elevated_mg", "snr_end")
        if r is not None and np.isfinite(r["diff"]):
            text += (f"; SNR after {horizon:.0f} s, elevated_mg − baseline = "
                     f"{_fmt_ci(r, '{:+.3f}')} ({_verdict_word(r['resolved'])})")
        lines.append(text + ".")
    text = ("- **Weight trace.** The UP/DOWN configuration left by encoding decays with "
            "a lifetime (κ < 1/e) of " + ", ".join(
                f"{med(c, 'trace_lifetime_s')} ({c})" for c in conds)
            + f"; after {horizon:.0f} s κ is " + ", ".join(
                f"{mean(c, 'kappa_end'):.3f} ({c})" for c in conds))
    r = _row(tables, "elevated_mg", "trace_lifetime_s")
    if r is not None and np.isfinite(r["diff"]):
        text += (f". Elevated Mg changes the trace lifetime by {_fmt_ci(r, '{:+.1f}')} s "
                 f"({_verdict_word(r['resolved'])}, n = {r['n']} paired seeds)")
    r = _row(tables, "elevated_mg", "kappa_end")
    if r is not None and np.isfinite(r["diff"]):
        text += (f" and κ after {horizon:.0f} s by {_fmt_ci(r, '{:+.3f}')} "
                 f"({_verdict_word(r['resolved'])})")
    lines.append(text + ". This is what spontaneous bursts would do to any trace, "
                 "encoded or not.")
    lines.append("- **Recall after consolidation.** Recall overlap " + ", ".join(
        f"{mean(c, 'overlap_mean'):+.3f} ({c})" for c in conds)
        + " (perfect recall 1, chance 0).")
    lines += ["", "![memory retention](figures/memory_retention.png)", ""]
    return "\n".join(lines)


# --------------------------------------------------------------------------------------
# figures
# --------------------------------------------------------------------------------------
def capacity_figures(results: Path, out_dir: Path, scale: str | None = None) -> list[Path]:
    """Recall overlap and assembly SNR against P, capacity per seed (memory_capacity.png)."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from .figures.memory import plot_capacity, plot_capacity_per_seed, plot_vs_p
    runs = _load(results, CAPACITY_EXPERIMENT, scale)
    if not runs:
        return []
    by = _by_condition_seed(runs)
    conds = _ordered(by)
    metrics = {c: {s: capacity_recomputed(r) for s, r in by[c].items()} for c in conds}
    p_values = capacity_p_values(runs[0])
    thr = float(next(iter(metrics[conds[0]].values()))["capacity_threshold"])
    overlap, control, snr, cap = {}, {}, {}, {}
    for c in conds:
        seeds = sorted(metrics[c])
        overlap[c] = (np.array(p_values), np.array(
            [[metrics[c][s][f"p{P}_overlap_median"] for P in p_values] for s in seeds]))
        control[c] = np.array([[metrics[c][s][f"p{P}_control_overlap_median"]
                                for P in p_values] for s in seeds])
        snr[c] = (np.array(p_values), np.array(
            [[metrics[c][s][f"p{P}_snr_after_encoding"] for P in p_values] for s in seeds]))
        cap[c] = {s: metrics[c][s]["capacity"] for s in seeds}
    fig, axes = plt.subplots(1, 3, figsize=(14, 3.8))
    plot_capacity(axes[0], overlap, control, threshold=thr)
    plot_vs_p(axes[1], snr, "assembly SNR after encoding", ref=ENCODED_SNR)
    plot_capacity_per_seed(axes[2], cap, p_max=p_values[-1])
    fig.tight_layout()
    out_dir = Path(out_dir)
    p = out_dir / "memory_capacity.png"
    save_figure(fig, p, 120, caption=(
        "Memory capacity: median recall overlap (line = median over seeds of the per-seed "
        "medians, dots = seeds) and assembly SNR (line = mean, dots = seeds) against the "
        "number of encoded assemblies P, and the capacity of every seed (lines join a seed "
        "across conditions); no error bars; n = "
        + ", ".join(f"{len(cap[c])} {c}" for c in conds) + f" seeds. {_control_caption()}"))
    return [p]


def retention_figures(results: Path, out_dir: Path, scale: str | None = None) -> list[Path]:
    """Forgetting curves (assembly SNR), weight-trace κ and weight distributions per
    condition over consolidation (memory_retention.png)."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from .figures.memory import plot_forgetting, plot_weight_hist
    runs = _load(results, RETENTION_EXPERIMENT, scale)
    if not runs:
        return []
    by = _by_condition_seed(runs)
    conds = _ordered(by)
    snr, kappa, hists = {}, {}, {}
    for c in conds:
        curves = [retention_curves(by[c][s]) for s in sorted(by[c])]
        n = min(len(x["t"]) for x in curves)
        snr[c] = (curves[0]["t"][:n], np.array([x["snr"][:n] for x in curves]))
        kappa[c] = (curves[0]["t"][:n], np.array([x["kappa"][:n] for x in curves]))
        r = by[c][min(by[c])]
        _, _, names = snapshots(r)
        ee = r.synapses["ee"]
        both, _ = mm._co_member(np.asarray(ee["pre"]), np.asarray(ee["post"]),
                                np.asarray(r.patterns, bool))
        w = weights_at(r, names[-1], float(r.metrics["plasticity_b"]))
        hists[c] = (w[both], w[~both])
    fig, axes = plt.subplots(1, 3, figsize=(14, 3.8))
    plot_forgetting(axes[0], snr, ylabel="assembly weight SNR",
                    levels=tuple(LIFETIME_LEVELS.values()),
                    title="forgetting curves (mean, seed range)")
    plot_forgetting(axes[1], kappa, ylabel="κ of UP/DOWN states vs end of encoding",
                    levels=(TRACE_LEVEL,), title="weight trace left by encoding")
    plot_weight_hist(axes[2], hists)
    fig.tight_layout()
    out_dir = Path(out_dir)
    p = out_dir / "memory_retention.png"
    save_figure(fig, p, 120, caption=(
        "Memory retention: assembly SNR (forgetting curve) and κ of the UP/DOWN states "
        "against the end of encoding over consolidation (line = mean over seeds, band = "
        "range over seeds; dotted: forgetting levels), and weight distributions inside "
        "(solid) and outside (dotted) the assemblies at the end, one seed per condition; "
        "n = " + ", ".join(f"{len(by[c])} {c}" for c in conds) + f" seeds. "
        f"{_control_caption()}"))
    return [p]


# ======================================================================================
# the instrument: memory-planted (positive control) and the noise floor
# ======================================================================================
PLANTED_KEYS = (("q", "Q (rate read-out)", "{:+.3f}"), ("m", "overlap m", "{:+.3f}"),
                ("qe", f"Q over the first {EARLY_WINDOW * 1e3:g} ms (secondary)", "{:+.3f}"),
                ("hit", "hit rate (non-cued members active)", "{:.3f}"),
                ("fa", "false activation (non-members active)", "{:.3f}"),
                ("ignition", "cues followed by a network burst", "{:.2f}"))
KIND_LABELS = {"stored": "planted", "sham": "sham", "unencoded": "unencoded"}


def _variant(run: RunData) -> str:
    m = run.metrics
    return (f"{int(m.get('n_exc', 0)) + int(m.get('n_inh', 0))} neurons, "
            f"{'planted' if m.get('planted', True) else 'unplanted'}, "
            f"{int(m.get('cue_pulses', 1))}-pulse cue, interneuron kick "
            f"{float(m.get('cue_inh_weight_nS', 0)):g} nS, "
            f"{float(m.get('recall_window_s', np.nan)) * 1e3:g}-ms read-out")


def _without_stream(run: RunData) -> str:
    """The run's resolved config without its seed and stream seed: two runs with the
    same value differ at most in those (the noise-floor pairs)."""
    toml = str(run.attrs.get("config_toml", ""))
    if not toml:
        return _variant(run) if "planted" in run.metrics else ""
    return "\n".join(line for line in toml.splitlines()
                     if not line.startswith(("seed =", "stream_seed =")))


def _default_stream(run: RunData) -> bool:
    s = run.metrics.get("stream_seed")
    return s is None or int(s) == int(run.attrs["seed"])


def _planted_vs_control(by_seed: Mapping[int, Mapping], key: str, c: float):
    """Per seed (sorted): Q of the planted assembly and the larger of the sham and
    unencoded controls' Q, at cue fraction ``c`` (``key`` "q" or "qe")."""
    seeds = sorted(by_seed)
    q = np.array([by_seed[s].get(f"{key}_stored_cue_{c:g}", np.nan) for s in seeds])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)     # all-NaN controls -> NaN
        ctrl = np.array([np.nanmax([by_seed[s].get(f"{key}_{k}_cue_{c:g}", np.nan)
                                    for k in ("sham", "unencoded")]) for s in seeds])
    return q, ctrl


def planted_verdict(results: Path, scale: str | None = None, cue: float = 0.5,
                    n_boot: int = 10000) -> dict:
    """Does the recall read-out see a planted assembly (issue 14 item 1)?  Paired over
    the default-stream planted runs' seeds: Q (planted) − the larger control Q at a
    ``cue`` fraction cue; ``met`` if the 95 % CI's lower bound is above 0 ({} if fewer
    than two seeds)."""
    from .statistics import paired_bootstrap
    runs = [r for r in _load(results, PLANTED_EXPERIMENT, scale) if _default_stream(r)
            and bool(r.metrics.get("planted", True))]
    by_seed = {int(r.attrs["seed"]): planted_recomputed(r) for r in runs}
    q, ctrl = _planted_vs_control(by_seed, "q", cue)
    ok = np.isfinite(q) & np.isfinite(ctrl)
    if ok.sum() < 2:
        return {}
    pb = paired_bootstrap(ctrl[ok], q[ok], n_boot=n_boot)
    return {"met": bool(pb.diff_low > 0), "diff": float(np.mean(q[ok] - ctrl[ok])),
            "low": float(pb.diff_low), "high": float(pb.diff_high), "n": int(ok.sum()),
            "cue": float(cue)}


def planted_section(results: Path, scale: str | None = None, n_boot: int = 10000) -> str:
    """Markdown section "Memory instrument: planted-assembly control" ('' if no runs)."""
    from .statistics import paired_bootstrap
    runs = [r for r in _load(results, PLANTED_EXPERIMENT, scale) if _default_stream(r)]
    if not runs:
        return ""
    groups: dict = {}
    for r in runs:
        groups.setdefault((_variant(r), str(r.attrs["condition"])), {})[
            int(r.attrs["seed"])] = planted_recomputed(r)
    r0 = runs[0]
    m0 = r0.metrics
    n_cells = int(np.asarray(r0.patterns).sum())
    lines = ["## Memory instrument: planted-assembly control (science.md §6)", "",
             f"`memory-planted` runs: {len(runs)}; "
             f"{int(m0.get('n_exc', 0)) + int(m0.get('n_inh', 0))} neurons, one assembly "
             f"of {n_cells} excitatory cells whose {int(m0.get('n_contacts_ee', 0))}-contact "
             "E→E network keeps the seeded UP/DOWN states except inside the assembly, where "
             "every contact is UP (planted; plasticity off throughout).  In every run the "
             "planted assembly, sham cues (random non-members of the same size) and "
             "unencoded assemblies are cued the same way, in random order, ≥ "
             f"{float(np.min(np.diff(np.sort(np.asarray(r0.recall['t_cue']))))):.0f} s apart. "
             "Q = (ν non-cued members − ν controls)/ν cued (Luboeinski & Tetzlaff 2021), m = "
             "overlap of the binary response (≥ 1 spike) of the non-cued cells; cues whose "
             f"pre-cue {float(m0.get('reject_window_s', REJECT_WINDOW)):g} s overlap a "
             "spontaneous network burst are rejected.  Mean ± SD over seeds of the per-run "
             "means over accepted cues; recomputed from the saved spikes.", ""]
    for (variant, cond), by_seed in sorted(groups.items()):
        ms = list(by_seed.values())
        fracs = sorted({float(k.split("_cue_")[1]) for m in ms for k in m
                        if k.startswith("q_stored_cue_")})
        head = ["metric", "cue"] + [KIND_LABELS[k] for k in KIND_NAMES.values()]
        rows = []
        for key, label, fmt in PLANTED_KEYS:
            for c in fracs:
                cells = [label, f"{c:.0%}"]
                for kname in KIND_NAMES.values():
                    v = [m.get(f"{key}_{kname}_cue_{c:g}", np.nan) for m in ms]
                    cells.append(_summary(v, fmt))
                rows.append(cells)
        rej = sum(int(m["cues_rejected"]) for m in ms)
        tot = sum(int(m["cues_total"]) for m in ms)
        lines += [f"**{variant}** — {cond}, seeds {', '.join(map(str, sorted(by_seed)))}; "
                  f"cues rejected (inside a spontaneous burst): {rej} of {tot}; Δf_UP of the "
                  f"assembly {_summary([m.get('dfup_planted') for m in ms], '{:+.3f}')} "
                  f"(z {_summary([m.get('dfup_z_planted') for m in ms], '{:+.1f}')} against "
                  f"{N_PSEUDO} pseudo-assemblies), of the unencoded ones "
                  f"{_summary([m.get('dfup_unencoded', np.nan) for m in ms], '{:+.3f}')} "
                  f"(z {_summary([m.get('dfup_z_unencoded', np.nan) for m in ms], '{:+.1f}')}).",
                  "", markdown_table(rows, head), ""]
        # per seed at every fraction: Q planted vs the larger control, paired over seeds
        for key, what in (("q", f"Q ({float(m0.get('recall_window_s', np.nan)) * 1e3:g} ms)"),
                          ("qe", f"Q (first {EARLY_WINDOW * 1e3:g} ms)")):
            for c in fracs:
                q, ctrl = _planted_vs_control(by_seed, key, c)
                ok = np.isfinite(q) & np.isfinite(ctrl)
                text = (f"- {what}, cue {c:.0%}: planted per seed "
                        + ", ".join(f"{v:+.3f}" for v in q) + "; larger control "
                        + ", ".join(f"{v:+.3f}" for v in ctrl))
                if ok.sum() >= 2:
                    pb = paired_bootstrap(ctrl[ok], q[ok], n_boot=n_boot)
                    text += (f"; planted − control {float(np.mean(q[ok] - ctrl[ok])):+.3f} "
                             f"[{pb.diff_low:+.3f}, {pb.diff_high:+.3f}] (paired bootstrap "
                             f"95 % CI, n = {int(ok.sum())} seeds)")
                lines.append(text + ".")
        lines.append("")
    lines += ["![planted control](figures/memory_planted.png)", ""]
    return "\n".join(lines)


def planted_figures(results: Path, out_dir: Path, scale: str | None = None) -> list[Path]:
    """Q, m and hit rate against cue fraction for planted, sham and unencoded cues, one
    row per variant (memory_planted.png)."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from .figures.memory import plot_cue_kinds
    runs = [r for r in _load(results, PLANTED_EXPERIMENT, scale) if _default_stream(r)]
    if not runs:
        return []
    groups: dict = {}
    for r in runs:
        groups.setdefault(f"{_variant(r)}, {r.attrs['condition']}", []).append(
            planted_recomputed(r))
    fig, axes = plt.subplots(len(groups), 3, figsize=(14, 3.6 * len(groups)), squeeze=False)
    for row, (variant, ms) in zip(axes, sorted(groups.items())):
        fracs = sorted({float(k.split("_cue_")[1]) for m in ms for k in m
                        if k.startswith("q_stored_cue_")})
        for ax, (key, label) in zip(row, (("q", "Q"), ("m", "overlap m"),
                                          ("hit", "non-cued members active"))):
            vals = {k: (np.array(fracs), np.array([[m.get(f"{key}_{k}_cue_{c:g}", np.nan)
                                                    for c in fracs] for m in ms]))
                    for k in KIND_NAMES.values()}
            plot_cue_kinds(ax, vals, ylabel=label, labels=KIND_LABELS, ref=0.0)
            ax.set_title(textwrap.fill(variant, 60), fontsize=7)
    fig.tight_layout()
    p = Path(out_dir) / "memory_planted.png"
    save_figure(fig, p, 120, caption=(
        "Positive control of the recall read-out (memory-planted): Q, overlap m and the "
        "fraction of non-cued members active against cue fraction for the planted assembly, "
        "sham cues and unencoded assemblies (line = mean over seeds, dots = seeds; no error "
        "bars, the report gives paired bootstrap CIs); n = "
        + ", ".join(f"{len(ms)} ({v})" for v, ms in sorted(groups.items())) + " seeds."))
    return [p]


def noise_floor_section(results: Path, scale: str | None = None,
                        n_boot: int = 10000) -> str:
    """Markdown section "Noise floor" ('' if there are no stream variants).

    Runs of memory-encoding (and memory-planted) that differ from a default run of the
    same condition and seed *only* in Brian2's random stream (``options.stream_seed``:
    release draws, background, plasticity noise) are analysed as if they were two
    conditions: the paired differences are what chance alone produces, the noise floor
    of every condition comparison on the same number of seeds.
    """
    lines = []
    for exp, keys, recompute in ((EXPERIMENT, KEY_METRICS, recomputed),
                                 (PLANTED_EXPERIMENT, PLANTED_NOISE_KEYS,
                                  planted_recomputed)):
        runs = _load(results, exp, scale)
        ref, alt = {}, {}
        for r in runs:
            key = (str(r.attrs["condition"]), int(r.attrs["seed"]), _without_stream(r))
            (ref if _default_stream(r) else alt)[key] = r
        pairs = sorted(set(ref) & set(alt))
        if not pairs:
            continue
        variants = sorted({(c, v) for c, _, v in pairs})
        for cond, variant in variants:
            seeds = [s for c, s, v in pairs if (c, v) == (cond, variant)]
            ref_v = {(c, s): r for (c, s, v), r in ref.items() if v == variant}
            alt_v = {(c, s): r for (c, s, v), r in alt.items() if v == variant}
            metrics = {"stream A": {s: recompute(ref_v[(cond, s)]) for s in seeds},
                       "stream B": {s: recompute(alt_v[(cond, s)]) for s in seeds}}
            names = [k for k in keys if all(k in m for m in metrics["stream A"].values())]
            tab = paired_table(metrics, "stream A", "stream B", names, n_boot=n_boot)
            for r in tab:       # one seed: the difference itself, without a CI
                if r["n"] == 1 and not np.isfinite(r["diff"]) and len(seeds) == 1:
                    a = metrics["stream A"][seeds[0]].get(r["metric"], np.nan)
                    b = metrics["stream B"][seeds[0]].get(r["metric"], np.nan)
                    if np.isfinite(a) and np.isfinite(b):
                        r["n"], r["diff"] = 1, float(b - a)
            rows = [[keys[r["metric"]][0], str(r["n"]), _fmt_ci(r, _signed(keys[r["metric"]][1])),
                     f"{r['d_z']:+.2f}" if np.isfinite(r["d_z"]) else "n/a",
                     _verdict_word(r["resolved"])] for r in tab]
            lines += [f"**{exp}, {cond}**: stream B − stream A over seeds "
                      f"{', '.join(map(str, seeds))} (the same structure, condition and "
                      "protocol; only Brian2's random stream differs):", "",
                      markdown_table(rows, ["metric", "n", "difference [95 % CI]", "d_z", "CI verdict"]),
                      ""]
    if not lines:
        return ""
    return "\n".join(["## Noise floor (issue 14, item 6)", "",
                      "Two runs that differ only in the release random stream, analysed "
                      "as if they were two conditions.  A condition effect smaller than "
                      "these differences is indistinguishable from chance.", ""] + lines)


PLANTED_NOISE_KEYS = {
    "q_stored_cue_0.5": ("Q planted, 50 % cue", "{:+.3f}"),
    "q_sham_cue_0.5": ("Q sham, 50 % cue", "{:+.3f}"),
    "q_unencoded_cue_0.5": ("Q unencoded, 50 % cue", "{:+.3f}"),
    "m_stored_cue_0.5": ("m planted, 50 % cue", "{:+.3f}"),
    "fa_stored_cue_0.5": ("false activation, 50 % cue", "{:.3f}"),
    "cues_rejected_fraction": ("cues rejected", "{:.3f}"),
}
