"""Tables of the STC trace-protection study (experiments/stc_protection.py; docs/plasticity.md §9).

Reads the study's JSON (results/stc/stc_protection.json) and renders the one-event table
(early-phase fraction moved by one burst vs one presentation; tags, protein and the late
phase after a 1-h capture window) and the memory-horizon table (Δ in-assembly − other of
h, z and w, mean ± SD over draws).  Never imports brian2.

Run: ``python -m mgnet.analysis.stc_report [results/stc/stc_protection.json]``
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

from .markdown import markdown_table

__all__ = ["single_event_rows", "horizon_rows", "stc_tables"]

SINGLE_HEADER = ["condition", "burst moved h (fixed pt /h0)", "presentation moved h (fixed pt /h0)",
                 "ratio", "tagged after burst / presentation", "protein (neurons)",
                 "Δz after 1 h: burst / presentation", "Δw/h0 after 1 h: burst / presentation",
                 "early / late protection"]


def single_event_rows(res: dict) -> list[list]:
    rows = []
    for name, c in res["conditions"].items():
        s = c["single_event"]
        ratio = s["burst_h_moved"] / s["presentation_h_moved"] if s["presentation_h_moved"] > 0 \
            else float("inf")
        rows.append([
            name,
            f"{s['burst_h_moved']:.3f} ({s['burst_h_fixed_point_over_h0']:.2f})",
            f"{s['presentation_h_moved']:.3f} ({s['presentation_h_fixed_point_over_h0']:.2f})",
            f"{ratio:.2f}",
            f"{s['burst_tagged_fraction']:.2f} / {s['presentation_tagged_fraction']:.2f}",
            f"{s['burst_protein_fraction']:.2f} / {s['presentation_protein_fraction']:.2f}",
            f"{s['burst_dz_mean']:+.4f} / {s['presentation_dz_mean']:+.4f}",
            f"{s['burst_dw_capture_over_h0']:+.3f} / {s['presentation_dw_capture_over_h0']:+.3f}",
            f"{'✓' if s['early_protection'] else '✗'} / {'✓' if s['late_protection'] else '✗'}"])
    return rows


def _at(hz: dict, minute: float) -> int:
    t = hz["t_s"]
    return min(range(len(t)), key=lambda i: abs(t[i] - 60.0 * minute))


def horizon_rows(res: dict, minutes=(0, 1, 10, 60, 240), which: str = "horizon",
                 key: str = "dw") -> list[list]:
    """One row per condition: Δ(in-assembly − other) of ``key`` in units of h0 at each
    minute, mean ± SD over draws."""
    rows = []
    for name, c in res["conditions"].items():
        hz = c[which]
        h0 = float(str(c["params"]["h0"]).split()[0])
        cells = []
        for m in minutes:
            if 60.0 * m > hz["t_s"][-1] + 30.0:
                cells.append("—")
                continue
            i = _at(hz, m)
            scale = 1.0 if key == "dz" else h0
            cells.append(f"{hz[f'{key}_mean'][i] / scale:+.3f} ± {hz[f'{key}_sd'][i] / scale:.3f}")
        rows.append([name] + cells)
    return rows


def stc_tables(res: dict) -> str:
    mins = (0, 1, 10, 60, 240)
    head = ["condition"] + [f"{m} min" for m in mins]
    out = ["One event:", "", markdown_table(single_event_rows(res), SINGLE_HEADER), ""]
    for key, label in (("dh", "Δh/h0"), ("dz", "Δz"), ("dw", "Δw/h0")):
        out += [f"Memory horizon, {label} (in-assembly − other), after 5 presentations:", "",
                markdown_table(horizon_rows(res, mins, "horizon", key), head), ""]
    out += ["Planted best case (in-assembly h at its potentiation fixed point, p = α), Δw/h0:",
            "", markdown_table(horizon_rows(res, (0, 1, 10, 60), "planted", "dw"),
                               ["condition"] + [f"{m} min" for m in (0, 1, 10, 60)]), "",
            "Planted best case, Δz:", "",
            markdown_table(horizon_rows(res, (0, 1, 10, 60), "planted", "dz"),
                           ["condition"] + [f"{m} min" for m in (0, 1, 10, 60)]), ""]
    return "\n".join(out)


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    path = Path(argv[0] if argv else "results/stc/stc_protection.json")
    print(stc_tables(json.loads(path.read_text())))
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
