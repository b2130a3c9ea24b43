"""The "Plasticity induction" report section (markdown) and its wording helpers.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from ..markdown import markdown_table
from ..run_file import RunData
from ..statistics import interval_description
from .data import (
    BASELINE,
    CONTROL,
    ELEVATED,
    FIGURE_FILES,
    MAIN_PROTOCOLS,
    PlasticityDataError,
    _key,
    load_plasticity_runs,
    protocol_names,
    stdp_dt_ms,
)
from .summaries import condition_comparison, induction_summary, stdp_curves


def _pct(x: float, nd: int = 3) -> str:
    return f"{100 * x + 0.0:+.{nd}g} %" if x is not None and np.isfinite(x) else "n/a"


def _pct_ci(r: Mapping) -> str:
    return f"{_pct(r['mean'])} [{_pct(r['low'])}, {_pct(r['high'])}]"


def _resolved(low: float, high: float) -> int:
    """+1 / −1 if the CI excludes 0 on that side, 0 otherwise."""
    if not (np.isfinite(low) and np.isfinite(high)):
        return 0
    return 1 if low > 0 else -1 if high < 0 else 0


def _num(x: float | None) -> str:
    return f"{x:.3g}" if x is not None and np.isfinite(x) else "n/a"


def _label(p: str) -> str:
    if p == "pairing":
        return "pairing"
    dt = stdp_dt_ms(p)
    return f"STDP Δt = {dt:+g} ms" if dt is not None else p


def _lookups(summ: Mapping):
    rows = {(r["condition"], r["protocol"], r["group"]): r for r in summ["rows"]}
    diffs = {(d["condition"], d["protocol"]): d for d in summ["diffs"]}
    return rows, diffs


def _diff_text(d: Mapping) -> str:
    return f"{_pct(d['diff'])} [{_pct(d['low'])}, {_pct(d['high'])}]"


_DIFF_WORDS = {1: "DHiLo branches gained more (or lost less) weight than DLoHi.",
               -1: "DLoHi branches gained more (or lost less) weight than DHiLo.",
               0: "no difference between configurations resolved."}
_CHANGE_WORDS = {1: "potentiated", -1: "depressed", 0: "did not change resolvably"}


def _sentences(summ: Mapping, settled: Mapping, spec: Mapping | None) -> list[str]:
    look, dlook = _lookups(summ)
    slook, _ = _lookups(settled)
    plook, pdlook = _lookups(spec) if spec is not None else ({}, {})
    out = []
    for cond in summ["conditions"]:
        for p in [q for q in MAIN_PROTOCOLS if q in summ["protocols"]]:
            a = look[(cond, p, "all")]
            text = (f"{cond}, {p}: total branch weight "
                    f"{_CHANGE_WORDS[_resolved(a['low'], a['high'])]} ({_pct_ci(a)}, "
                    f"n = {a['n']} branches; settled {_pct_ci(slook[(cond, p, 'all')])}).")
            if (cond, p, "all") in plook:
                sp, d = plook[(cond, p, "all")], pdlook[(cond, p)]
                text += (f" Pairing-specific (minus unpaired): "
                         f"{_CHANGE_WORDS[_resolved(sp['low'], sp['high'])]} ({_pct_ci(sp)}); "
                         f"DHiLo − DLoHi = {_diff_text(d)}: "
                         f"{_DIFF_WORDS[_resolved(d['low'], d['high'])]}")
            else:
                d = dlook[(cond, p)]
                text += (f" DHiLo − DLoHi = {_diff_text(d)}: "
                         f"{_DIFF_WORDS[_resolved(d['low'], d['high'])]}")
            out.append(text)
    return out


def _comparison_lines(comp: list[dict], label: str) -> list[str]:
    lines = []
    for r in comp:
        if r["protocol"] not in MAIN_PROTOCOLS:
            continue
        s = _resolved(r["low"], r["high"])
        lines.append(f"- {r['protocol']} ({label}): {ELEVATED} " + {
            1: "gained more (or lost less) weight than", -1: "gained less (or lost more) "
            "weight than", 0: "was not resolvably different from"}[s] + f" {BASELINE} "
            f"({_diff_text(r)}, d_z = {_num(r.get('d_z'))}, sign-flip P = "
            f"{_num(r['p_value'])}, Holm-adjusted over {len(comp)} protocols "
            f"P = {_num(r.get('p_holm'))}).")
    return lines


def plasticity_section(results: Path, scale: str | None = None,
                       runs: Sequence[RunData] | None = None,
                       figures_dir: Path | None = None, n_boot: int = 2000) -> str | None:
    """Markdown of the "Plasticity induction" report section (None if there are no runs)."""
    results = Path(results)
    runs = list(runs) if runs is not None else load_plasticity_runs(results, scale)
    if not runs:
        return None
    figures_dir = Path(figures_dir) if figures_dir is not None else results / "figures"
    parts = ["## Plasticity induction (prediction; science.md §4 items 4–5, T10)", ""]
    try:
        summ = induction_summary(runs, n_boot=n_boot)
        settled = induction_summary(runs, n_boot=n_boot, settled=True)
        has_control = all(CONTROL in protocol_names(r) for r in runs)
        spec = induction_summary(runs, n_boot=n_boot, measure="specific") \
            if has_control else None
    except PlasticityDataError as exc:
        return "\n".join(parts + [f"- not available: {exc}", ""])
    parts += _method_lines(runs, summ)
    parts += _change_tables(summ, settled, spec)
    parts += ["### What came out", ""] + [f"- {s}" for s in _sentences(summ, settled, spec)]
    parts += _comparison_section(runs, n_boot, spec is not None)
    parts += _stdp_lines(stdp_curves(runs, n_boot=n_boot))
    checks = _check_lines(runs)
    if checks:
        parts += ["", "### Checks", ""] + [f"- {c}" for c in checks]
    shown = [n for n in FIGURE_FILES.values() if (figures_dir / n).exists()]
    if shown:
        parts += ["", "### Figures", ""] + [f"![{Path(n).stem}](figures/{n})" for n in shown]
    parts.append("")
    return "\n".join(parts)


def _method_lines(runs: Sequence[RunData], summ: Mapping) -> list[str]:
    """The method paragraph and the inputs line of :func:`plasticity_section`."""
    m0 = runs[0].metrics
    seeds = {c: sorted({_key(r)[1] for r in runs if _key(r)[0] == c}) for c in summ["conditions"]}
    return [
        "Graupner–Brunel rule (preset `{}`, noise {}) on every bouton of each branch "
        "(one AdEx neuron per branch, all boutons fire together); protocols on identical "
        "copies from the same initial state ({}). Change = Σ(w_after − w_before)/Σ q over "
        "the branch's active contacts at the end of each protocol, q being each contact's "
        "configured (expected initial) weight (\"settled\": after ρ relaxes to UP/DOWN). "
        "Pairing-specific = change under the protocol minus the change of the same branch "
        "under the `unpaired` control (same spikes, half a period apart). Mean over "
        "branches with {}; DHiLo − DLoHi studentised with the Welch standard error. "
        "{}.".format(
            m0.get("plasticity_preset", "?"), "on" if m0.get("plasticity_noise") else "off",
            m0.get("initial_state", "?"), interval_description(), summ["split"]["rule"]), "",
        "Inputs: " + "; ".join(f"{c}: {len(s)} run(s), seeds {s}" for c, s in seeds.items())
        + f"; split {summ['split']['n_dhilo']} DHiLo / {summ['split']['n_dlohi']} DLoHi "
        "branches (pooled).", ""]


def _change_tables(summ: Mapping, settled: Mapping, spec: Mapping | None) -> list[str]:
    """The raw-change table and (with the unpaired control) the pairing-specific one."""
    look, dlook = _lookups(summ)
    slook, _ = _lookups(settled)
    main = [p for p in summ["protocols"] if stdp_dt_ms(p) is None]
    table = []
    for cond in summ["conditions"]:
        for p in main:
            table.append([cond, _label(p), _pct_ci(look[(cond, p, "all")]),
                          _pct_ci(slook[(cond, p, "all")]),
                          _pct_ci(look[(cond, p, "DHiLo")]), _pct_ci(look[(cond, p, "DLoHi")]),
                          _diff_text(dlook[(cond, p)])])
    parts = ["Raw change:", "", markdown_table(table, [
        "condition", "protocol", "all branches", "all (settled)", "DHiLo", "DLoHi",
        "DHiLo − DLoHi"]), ""]
    if spec is not None:
        plook, pdlook = _lookups(spec)
        srows = [[cond, _label(p), _pct_ci(plook[(cond, p, "all")]),
                  _pct_ci(plook[(cond, p, "DHiLo")]), _pct_ci(plook[(cond, p, "DLoHi")]),
                  _diff_text(pdlook[(cond, p)])]
                 for cond in spec["conditions"] for p in spec["protocols"]
                 if stdp_dt_ms(p) is None]
        parts += ["Pairing-specific change (minus `unpaired`):", "", markdown_table(srows, [
            "condition", "protocol", "all branches", "DHiLo", "DLoHi", "DHiLo − DLoHi"]), ""]
    return parts


def _comparison_section(runs: Sequence[RunData], n_boot: int, has_spec: bool) -> list[str]:
    """The elevated-vs-baseline subsection (paired by seed and branch); empty without both
    conditions."""
    comp = condition_comparison(runs, n_boot=n_boot)
    if not comp:
        return []
    crow = []
    for r in comp:
        seed_txt = (_diff_text({"diff": r["seed_diff"], "low": r["seed_low"],
                                "high": r["seed_high"]})
                    if np.isfinite(r["seed_diff"]) else f"n/a ({r['n_seeds']} seed)")
        crow.append([_label(r["protocol"]), str(r["n_branches"]), _pct(r["mean_a"]),
                     _pct(r["mean_b"]), _diff_text(r), _num(r.get("d_z")),
                     _num(r["p_value"]), _num(r.get("p_holm")), seed_txt])
    parts = ["", f"### {ELEVATED} vs {BASELINE} (same anatomy, paired by seed and "
             "branch; raw change)", "",
             f"Paired {interval_description()}; d_z = paired Cohen's d_z over "
             "branches; sign-flip P from scipy.stats.permutation_test, Holm-adjusted "
             f"across the {len(comp)} protocols of this table (the CIs are not "
             "adjusted).", "",
             markdown_table(crow, ["protocol", "branches", BASELINE, ELEVATED,
                              "difference (branches)", "d_z", "sign-flip P",
                              "P (Holm)", "difference (seed means)"]), ""]
    parts += _comparison_lines(comp, "raw")
    if has_spec:
        parts += _comparison_lines(condition_comparison(runs, n_boot=n_boot,
                                                        measure="specific"),
                                   "pairing-specific")
    return parts


def _stdp_lines(curves: Mapping) -> list[str]:
    """The STDP-curve subsection of :func:`plasticity_section` (empty without STDP runs)."""
    if not curves["by_condition"]:
        return []
    what = "pairing-specific change (minus unpaired)" if curves["measure"] == "specific" \
        else "raw change"
    parts = ["", f"### STDP curve ({what})", ""]
    for cond, c in curves["by_condition"].items():
        i_max, i_min = int(np.nanargmax(c["mean"])), int(np.nanargmin(c["mean"]))
        pts = ", ".join(f"{dt:+g} ms: {_pct(m, 2)}" for dt, m in zip(c["dt_ms"], c["mean"], strict=True))
        parts.append(f"- {cond}: maximum at Δt = {c['dt_ms'][i_max]:+g} ms "
                     f"({_pct_ci({k: c[k][i_max] for k in ('mean', 'low', 'high')})}), "
                     f"minimum at Δt = {c['dt_ms'][i_min]:+g} ms "
                     f"({_pct_ci({k: c[k][i_min] for k in ('mean', 'low', 'high')})}). "
                     f"Points: {pts}.")
        res = [(dt, _resolved(lo, hi)) for dt, lo, hi in zip(c["dt_ms"], c["low"],
                                                              c["high"], strict=True)]
        pot = [f"{dt:+g}" for dt, s in res if s > 0]
        dep = [f"{dt:+g}" for dt, s in res if s < 0]
        parts.append(f"  Resolved potentiation (CI > 0) at Δt = {', '.join(pot) or 'none'} "
                     f"ms; resolved depression (CI < 0) at Δt = {', '.join(dep) or 'none'} "
                     "ms.")
        if np.any(np.asarray(c["dt_ms"]) == 0):
            parts.append("  Caveat: at Δt = 0 the release falls in the spike's time step, "
                         "where the NMDA Ca2+ of a release (evaluated at the instantaneous "
                         "potential) is clipped to 0: that point reflects postsynaptic "
                         "Ca2+ only.")
        meas = curves["dt_measured_ms"].get(cond)
        if meas is not None and np.isfinite(meas).any():
            err = float(np.nanmax(np.abs(np.asarray(meas) - c["dt_ms"])))
            parts.append(f"  Achieved Δt within {err:.2g} ms of nominal.")
    return parts


def _check_lines(runs: Sequence[RunData]) -> list[str]:
    """Per-run checks of the protocol delivery (one spike per current step, extra spikes)."""
    checks = []
    for run in runs:
        m = run.metrics
        if "pulse_one_spike_fraction" in m:
            checks.append(f"{_key(run)[0]} seed {_key(run)[1]}: "
                          f"{100 * m['pulse_one_spike_fraction']:.4g} % of current steps "
                          f"evoked exactly one spike, {m.get('extra_post_spikes_pairing', '?')} "
                          f"extra postsynaptic spikes in pairing protocols, "
                          f"{m.get('post_spikes_burst', '?')} postsynaptic spikes in bursts")
    return checks
