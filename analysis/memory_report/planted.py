"""The instrument's positive control (experiment ``memory-planted``): a planted
assembly, sham cues and unencoded assemblies cued the same way; per-run metrics, the
verdict of the planted figure, the section "Memory instrument: planted-assembly control"
and its figure.
"""
from __future__ import annotations

import textwrap
import warnings
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from .. import memory_metrics as mm
from ..figures.style import save_figure
from ..markdown import markdown_table
from ..run_file import RunData
from .cache import _once_per_run
from .encoding_metrics import N_PSEUDO
from .recall import EARLY_WINDOW, KIND_NAMES, REJECT_WINDOW, recall_metrics, unencoded_members
from .runs import _default_stream, _load
from .tables import _summary

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
    from ..statistics import paired_bootstrap
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
    from ..statistics import paired_bootstrap
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

    from ..figures.memory import plot_cue_kinds
    runs = [r for r in _load(results, PLANTED_EXPERIMENT, scale) if _default_stream(r)]
    if not runs:
        return []
    groups: dict = {}
    for r in runs:
        groups.setdefault(f"{_variant(r)}, {r.attrs['condition']}", []).append(
            planted_recomputed(r))
    fig, axes = plt.subplots(len(groups), 3, figsize=(14, 3.6 * len(groups)), squeeze=False)
    for row, (variant, ms) in zip(axes, sorted(groups.items()), strict=False):
        fracs = sorted({float(k.split("_cue_")[1]) for m in ms for k in m
                        if k.startswith("q_stored_cue_")})
        for ax, (key, label) in zip(row, (("q", "Q"), ("m", "overlap m"),
                                          ("hit", "non-cued members active")), strict=False):
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
