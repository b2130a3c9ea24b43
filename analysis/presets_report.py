"""Report section of plasticity-presets: the pre-registered tests that chose the rule.

Reads the plasticity-presets run file (experiments/plasticity_presets.py; docs/plasticity.md
§8) and renders, per preset and condition (its own fitting bath, the culture's medium), the
tests (a) STDP window (Bi & Poo 1998), (b) triplets (Wang et al. 2005), (c) no lasting change
from pre- or postsynaptic-only trains, (d) closed forms, the trace-protection numbers (one
network burst vs one encoding presentation) and the informative comparison with Inglebert
et al. (2020) at 1.8 mM.  Never imports brian2.
"""
from __future__ import annotations

import math
from pathlib import Path

from .markdown import markdown_table

__all__ = ["EXPERIMENT", "presets_section", "preset_rows", "half_life_bursts"]

EXPERIMENT = "plasticity-presets"
_STDP = ("-20", "-10", "-5", "+5", "+10", "+20")


def half_life_bursts(moved: float) -> float:
    """Bursts after which half of a trace is left, if each burst moves a contact the
    fraction ``moved`` of the way to the bursts' fixed point: ln 2 / −ln(1 − moved)."""
    if not 0 < moved < 1:
        return float("inf") if moved <= 0 else 0.0
    return math.log(2) / -math.log1p(-moved)


def _half_life(moved: float) -> str:
    h = half_life_bursts(moved)
    return "∞" if math.isinf(h) else f"{h:.1f}"


def preset_rows(metrics: dict) -> list[list]:
    """One row per (preset, condition) from the run's /metrics."""
    rows = []
    for p in str(metrics["presets"]).split(","):
        for c in ("own", "culture"):
            def g(k, p=p, c=c):
                return metrics[f"{p}__{c}__{k}"]

            def yn(k):
                return "✓" if bool(g(f"pass_{k}")) else "✗"
            stdp = " ".join(f"{g(f'stdp_{d}ms'):.2f}" for d in _STDP)
            trip = (f"{g('pre-post-pre_5ms'):.2f}/{g('post-pre-post_5ms'):.2f}, "
                    f"{g('pre-post-pre_10ms'):.2f}/{g('post-pre-post_10ms'):.2f}")
            bg = max(g(f"{a}_{b}_{x}") for a in ("pre", "post") for b in ("1hz", "bg")
                     for x in ("up", "down"))
            rows.append([p, c, f"{yn('a')} {stdp}", f"{yn('b')} {trip}",
                         f"{yn('c')} {bg:.2f}", f"{yn('d')} {g('closed_form_error'):.0e}",
                         f"{int(g('pass_signs_correct'))}/{int(g('pass_signs_total'))}",
                         f"{max(g('async_up'), g('async_down')):.2f}",
                         f"{g('burst_moved'):.2f} ({g('burst_rho_bar'):.2f})",
                         f"{g('encoding_moved'):.2f} ({g('encoding_rho_bar'):.2f})",
                         _half_life(g('burst_moved')),
                         f"{abs(g('encoding_rho_bar') - g('burst_rho_bar')):.2f}",
                         f"{yn('protection')}",
                         f"{g('inglebert_+10ms'):.2f} {g('inglebert_-25ms'):.2f} "
                         f"{g('inglebert_+10ms_3ap'):.2f}"])
    return rows


def presets_section(results: Path, scale: str | None) -> str | None:
    """Markdown section, or None without a plasticity-presets run file."""
    from .run_file import list_runs, read_run
    paths = list_runs(Path(results) / "runs", EXPERIMENT, scale)
    if not paths:
        return None
    run = read_run(paths[-1])
    m = run.metrics
    header = ["preset", "bath", "(a) change at Δt = −20 … +20 ms", "(b) ppp/pop at 5, 10 ms",
              "(c) worst U/D", "(d) error", "signs of (a)+(b)", "async 10 min U/D",
              "burst moved (ρ̄)", "encoding moved (ρ̄)", "half-life (bursts)",
              "ρ̄ gap enc−burst", "protection", "Inglebert +10/−25/+10×3"]
    text = ["## Plasticity rule: the pre-registered tests (plasticity-presets)\n",
            f"Culture medium: [Ca]o {m['ca_o_culture_mM']:g} mM, [Mg]o "
            f"{m['mg_o_culture_mM']:g} mM; 'own' is each preset's fitting bath.  Change in "
            "strength after 60 pairings / triplets at 1 Hz (Graupner & Brunel's measure, "
            "1 = none); (c): the largest UP/DOWN transition probability of pre- or "
            "postsynaptic-only trains at 1 Hz for 60 s and at the between-burst rate for "
            "10 min (pass < 0.05); 'async': pre and post Poisson at the culture's mean rate "
            "for 10 min (informative); 'moved': fraction of the way to the fixed point ρ̄ "
            "that one spontaneous network burst (not co-stimulated) and one encoding "
            "presentation (co-stimulated) move a contact; 'half-life': bursts after which "
            "half of a trace is left, ln 2/−ln(1 − burst moved); ρ̄ gap: |ρ̄_enc − ρ̄_burst|, how far "
            "apart the two fixed points are (what an encoding could store at best); "
            "protection passes if the burst moves < 0.2 × the presentation.  Rule: docs/plasticity.md §8.\n",
            markdown_table(preset_rows(m), header), "",
            f"**Decision:** `{m['rule_choice']}` — {m['rule_choice_reason']}.", ""]
    return "\n".join(text)
