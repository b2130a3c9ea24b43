"""The plasticity-induction figures.
"""
from __future__ import annotations

import warnings
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from ..figures.style import ci_label, save_figure
from ..run_file import RunData
from .data import (
    CONTROL,
    FIGURE_FILES,
    PlasticityDataError,
    load_plasticity_runs,
    protocol_names,
    stdp_dt_ms,
)
from .summaries import induction_summary, stdp_curves


def plasticity_figures(results: Path, out_dir: Path | None = None, scale: str | None = None,
                       runs: Sequence[RunData] | None = None, dpi: int = 150,
                       n_boot: int = 2000) -> list[Path]:
    """Draw the STDP curve and the protocol × configuration bars; return written paths."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from ..figures import plasticity as fp
    results = Path(results)
    runs = list(runs) if runs is not None else load_plasticity_runs(results, scale)
    if not runs:
        return []
    out_dir = Path(out_dir) if out_dir is not None else results / "figures"
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    try:
        summ = induction_summary(runs, n_boot=n_boot)
        curves = stdp_curves(runs, n_boot=n_boot)
    except PlasticityDataError as exc:
        warnings.warn(f"plasticity figures skipped: {exc}", RuntimeWarning, stacklevel=2)
        return []
    if curves["by_condition"]:
        conds = list(curves["by_condition"])
        fig, axes = plt.subplots(1, 1 + len(conds), figsize=(4.2 * (1 + len(conds)), 3.6),
                                 squeeze=False)
        ylabel = ("pairing-specific change (%)" if curves["measure"] == "specific"
                  else None)
        ci = ci_label()
        fp.plot_stdp_curve(axes[0, 0], curves["by_condition"], title="all branches",
                           ylabel=ylabel, reference=True, ci_name=ci)
        for k, c in enumerate(conds):
            fp.plot_stdp_curve(axes[0, k + 1], curves["by_group"][c], title=c, ylabel=ylabel,
                               ci_name=ci)
        fig.tight_layout()
        path = out_dir / FIGURE_FILES["stdp"]
        n_br = {c: curves["by_condition"][c].get("n") for c in conds}
        n_txt = ", ".join(f"{c}: {np.max(v) if v is not None and np.size(v) else '?'}"
                          for c, v in n_br.items())
        save_figure(fig, path, dpi, caption=(
            "STDP curves: mean relative change of total branch weight against Δt = t_post − "
            f"t_pre (60 pairings at 1 Hz), band = {ci} of the mean over branches; all branches "
            "(shaded: the Bi & Poo 1998 LTP/LTD windows) and DHiLo vs DLoHi per condition; "
            f"n (branches) = {n_txt}; {len(runs)} run(s)."))
        written.append(path)
    # Pairing protocols as pairing-specific change (minus unpaired) when the control
    # exists, the others raw.
    rows = list(summ["rows"])
    shown = [p for p in summ["protocols"] if stdp_dt_ms(p) is None]
    if all(CONTROL in protocol_names(r) for r in runs):
        spec = induction_summary(runs, n_boot=n_boot, measure="specific")
        rename = {p: f"{p} − {CONTROL}" for p in spec["protocols"] if stdp_dt_ms(p) is None}
        rows = [r for r in rows if r["protocol"] not in rename and r["protocol"] != CONTROL]
        rows += [{**r, "protocol": rename[r["protocol"]]} for r in spec["rows"]
                 if r["protocol"] in rename]
        shown = [rename.get(p, p) for p in shown if p != CONTROL]
    conds = summ["conditions"]
    fig, axes = plt.subplots(1, len(conds), figsize=(4.2 * len(conds), 3.6), squeeze=False)
    for k, c in enumerate(conds):
        fp.plot_protocol_split(axes[0, k], [r for r in rows if r["condition"] == c], shown,
                               title=c, ci_name=ci_label())
    fig.tight_layout()
    path = out_dir / FIGURE_FILES["split"]
    ns = sorted({int(r["n"]) for r in rows if r.get("n")})
    save_figure(fig, path, dpi, caption=(
        "Change of total branch weight per protocol, DHiLo vs DLoHi (median split of P̄r) per "
        f"condition: bar = mean over branches, error bars = {ci_label()}; pairing protocols "
        "as pairing-specific change (minus the unpaired control) where it exists; n = "
        f"{'–'.join(map(str, (ns[0], ns[-1]))) if ns else '?'} branches per bar; "
        f"{len(runs)} run(s)."))
    written.append(path)
    return written
