"""plasticity-presets: the decision rule and a quick end-to-end run.

The rule (docs/plasticity.md §8) is checked on planted verdict tables; the quick run checks
that the numpy twin of the contact code reproduces Graupner & Brunel's closed form (test d,
error < 1e-6), that the published culture set at its own bath reproduces the qualitative
triplet result of Wang et al. (2005) that it was fitted to (post-pre-post potentiates more
than pre-post-pre), and that the run file is complete.
"""
from __future__ import annotations

from mgnet.experiments import plasticity_presets as pp


def _v(a=True, b=True, c=True, d=True, signs=10):
    return {"a": a, "b": b, "c": c, "d": d, "signs_correct": signs, "signs_total": 10}


def test_rule_takes_the_first_full_pass_else_the_best_fitted_candidate():
    table = {"DP": {"culture": _v()}, "hippocampal_cultures": {"culture": _v(a=False, signs=9)}}
    assert pp.choose_default(table)[0] == "DP"          # a full pass wins outright
    table = {"DP": {"culture": _v(a=False, signs=9)},
             "hippocampal_cultures": {"culture": _v(a=False, signs=6)},
             "cortical_slices": {"culture": _v(b=False, signs=7)}}
    # Fitted sets before synthetic ones; the most signs among them.
    assert pp.choose_default(table)[0] == "cortical_slices"
    table["cortical_slices"]["culture"] = _v(b=False, signs=6)
    assert pp.choose_default(table)[0] == "hippocampal_cultures"     # tie: preparation
    table = {"DP": {"culture": _v(a=False, signs=3)},
             "hippocampal_cultures": {"culture": _v(c=False, signs=9)}}
    assert pp.choose_default(table)[0] == "DP"           # no fitted set passes (c)
    table = {"DP": {"culture": _v(c=False)}}
    name, why = pp.choose_default(table)
    assert name is None and "(c) and (d)" in why


def test_quick_run(tmp_path):
    from mgnet.analysis.run_file import read_run, validate_run
    from mgnet.experiments.cli import main
    out = tmp_path / "presets.h5"
    assert main(["run", "plasticity-presets", "--scale", "quick", "--out", str(out),
                 "--quiet"]) == 0
    assert validate_run(out) == []
    m = read_run(out).metrics
    for p in ("hippocampal_cultures", "DP"):
        for c in ("own", "culture"):
            assert m[f"{p}__{c}__closed_form_error"] < 1e-6
            assert bool(m[f"{p}__{c}__pass_d"])
    own = "hippocampal_cultures__own__"
    assert m[own + "post-pre-post_5ms"] > m[own + "pre-post-pre_5ms"] + 0.1
    assert m["rule_choice"] in ("hippocampal_cultures", "DP", "none")


def test_half_life_of_a_trace_in_bursts_is_the_geometric_closed_form():
    """After h = half_life_bursts(m) bursts that each move a contact the fraction m of the
    way to the bursts' fixed point, (1 - m)^h = 1/2 of a trace is left (rel. 1e-12)."""
    import math

    from mgnet.analysis.presets_report import half_life_bursts
    for m in (0.01, 0.11, 0.42, 0.9):
        h = half_life_bursts(m)
        assert math.isclose((1 - m) ** h, 0.5, rel_tol=1e-12)
    assert half_life_bursts(0.0) == math.inf and half_life_bursts(1.0) == 0.0
    # The default set's documented burst move (docs/plasticity.md §9): 1.3 bursts.
    assert round(half_life_bursts(0.42), 1) == 1.3
