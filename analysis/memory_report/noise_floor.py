"""The noise floor (issue 14, item 6): runs that differ from a default run only in
Brian2's random stream, compared as if they were two conditions.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from ..markdown import markdown_table
from ..run_file import RunData
from .encoding import KEY_METRICS
from .encoding_metrics import recomputed
from .planted import PLANTED_EXPERIMENT, _variant, planted_recomputed
from .runs import EXPERIMENT, _default_stream, _load
from .tables import _fmt_ci, _signed, _verdict_word, paired_table


def _without_stream(run: RunData) -> str:
    """The run's resolved config without its seed and stream seed: two runs with the
    same value differ at most in those (the noise-floor pairs)."""
    toml = str(run.attrs.get("config_toml", ""))
    if not toml:
        return _variant(run) if "planted" in run.metrics else ""
    return "\n".join(line for line in toml.splitlines()
                     if not line.startswith(("seed =", "stream_seed =")))


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
