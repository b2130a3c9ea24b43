"""Study ``configuration``: the synaptic-configuration targets T1–T9 of Zhou, Bi & Liu
(2024) from the bouton-assay, mg-dose-response and reconfiguration run files: the report
section (:mod:`._configuration_section`), the figures (:mod:`._configuration_figures`) and
each figure's verdict, computed with the T1–T9 table's own checks."""
from __future__ import annotations

from pathlib import Path

from .. import configuration_report as cr
from ._configuration_figures import configuration_figures
from ._configuration_section import configuration_section
from .base import NOT_JUDGED, NOT_REPRODUCED, REPRODUCED, Study

__all__ = ["configuration_figures", "configuration_section", "FIGURE_TARGETS",
           "NOT_A_TARGET", "STUDY"]

#: Figure file (or ``file#panel``, panel letters as in ``figures/panels``) -> the paper
#: targets it shows, each with the names of the checks the panel shows (None: every check
#: of the target) and, for a subset, what those checks test in words.  The verdicts are those of the T1–T9 table (the same checks, the same
#: :func:`mgnet.analysis.configuration_report._verdict`), never typed by hand.
FIGURE_TARGETS: dict[str, tuple] = {
    "fig1b_hyperbola.png": (("T1", None),),
    "fig1c_pr_distribution.png": (("T2", ("pr_ks",), "Pr shift"), ("T6", None)),
    "fig1d_burst_facilitation.png": (("T4", None),),
    "fig1ef_sum_pr.png": (("T2", ("sum_pr_within_10pct", "sum_pr_not_significant"),
                           "ΣPr unchanged"), ("T5", None)),
    "fig1ef_sum_pr.png#a": (("T2", ("sum_pr_within_10pct", "sum_pr_not_significant"),
                             "ΣPr unchanged"),),
    "fig1ef_sum_pr.png#b": (("T5", None),),
    "fig3a_wca_vs_pr.png": (("T7", ("exponent",), "exponent"),),
    "fig4d_pr_vs_mg.png": (("T3", None),),
    "capacity_vs_pr.png": (("T9", None),),
    "g_vs_gburst.png": (("T8", None),),
}

#: Figures that show no paper target, and what they are instead.
NOT_A_TARGET = {
    "fig4a_timecourse.png": "Fig 4a time course: no pass/fail target (the lag of T2)",
}

#: Short titles of the README copies, in README order.
DOCS_TITLES = {
    "fig1b_hyperbola.png": "Fig 1b: D vs P̄r across branches (T1)",
    "fig1c_pr_distribution.png": "Fig 1c: bouton Pr, baseline vs elevated Mg (T2, T6)",
    "fig1d_burst_facilitation.png": "Fig 1d: burst facilitation vs Pr (T4)",
    "fig1ef_sum_pr.png": "Fig 1e–f: branch ΣPr and ΣPr_burst (T2, T5)",
    "fig3a_wca_vs_pr.png": "Fig 3a: spine Ca²⁺ vs Pr (T7)",
    "fig4a_timecourse.png": "Fig 4a: reconfiguration time course",
    "fig4d_pr_vs_mg.png": "Fig 4d: Pr vs measured [Mg]i (T3)",
    "capacity_vs_pr.png": "coding capacity (T9)",
    "g_vs_gburst.png": "G vs G_burst, DHiLo vs DLoHi (T8)",
}


def _target_verdict(row: dict, checks: tuple | None) -> tuple[bool | None, str]:
    """(verdict, failing-check text) of ``row`` restricted to ``checks``."""
    if checks is None:
        sel = list(row.get("checks", []))
        verdict = row.get("reproduced")
    else:
        sel = [c for c in row.get("checks", []) if c["name"] in checks]
        verdict = cr._verdict(sel) if sel else None
    fails = "; ".join(c["text"] for c in sel if c["passed"] is False)
    return verdict, fails


def _target_label(rows_by_id: dict, targets: tuple) -> dict:
    parts, words, details = [], [], []
    for tid, checks, *words_ in targets:
        row = rows_by_id.get(tid)
        if row is None:
            continue
        v, fails = _target_verdict(row, checks)
        word = {True: REPRODUCED, False: NOT_REPRODUCED, None: NOT_JUDGED}[v]
        what = tid if checks is None else \
            f"{tid} ({words_[0] if words_ else ', '.join(checks)})"
        parts.append(f"{what}: {word}")
        words.append(word)
        if fails:
            details.append(f"{tid}: {fails}")
    if not parts:
        return {}
    status = (REPRODUCED if all(w == REPRODUCED for w in words) else
              NOT_REPRODUCED if all(w == NOT_REPRODUCED for w in words) else
              NOT_JUDGED if all(w == NOT_JUDGED for w in words) else "partly reproduced")
    return {"status": status, "label": "; ".join(parts), "detail": "; ".join(details)}



def _rows(results: Path, scale: str | None, context: dict) -> list[dict]:
    """The T1–T9 rows: from ``context`` when the report section computed them already."""
    rows = context.get("configuration_rows")
    if rows is None:
        runs = cr.load_configuration_runs(results, scale)
        rows = cr.configuration_targets(runs.assay, runs.dose) if not runs.empty else []
        context["configuration_rows"] = rows
    return rows


def verdicts(results: Path, scale: str | None, context: dict) -> dict[str, dict]:
    """Each configuration figure's (and panel's) verdict from the T1–T9 rows."""
    by_id = {r["id"]: r for r in _rows(results, scale, context)}
    out: dict[str, dict] = {}
    for name, targets in FIGURE_TARGETS.items():
        v = _target_label(by_id, targets)
        if v:
            out[name] = v
        elif "#" in name:
            out[name] = {"status": NOT_JUDGED, "label": "shows no target on its own",
                         "detail": ""}
    for name, text in NOT_A_TARGET.items():
        out[name] = {"status": NOT_JUDGED, "label": text, "detail": ""}
    return out


def sections(results: Path, scale: str | None, context: dict) -> list[str]:
    """The "Synaptic configuration" section (always written; it says when runs are
    missing); leaves the T1–T9 rows in ``context["configuration_rows"]``."""
    md, rows = configuration_section(results, runs=cr.load_configuration_runs(results, scale))
    context["configuration_rows"] = rows
    return [md]


def figures(results: Path, out_dir: Path, scale: str | None) -> list[Path]:
    return configuration_figures(results, out_dir,
                                 runs=cr.load_configuration_runs(results, scale))


STUDY = Study(name="configuration",
              experiments=(cr.ASSAY_EXPERIMENT, cr.DOSE_EXPERIMENT, cr.RECONFIG_EXPERIMENT),
              order=10, sections=sections, figures=figures, verdicts=verdicts,
              docs_figures=tuple((f, DOCS_TITLES[f]) for f in cr.FIGURE_FILES.values()),
              docs_order=0)
