"""Figures and the reproduction report, computed only from saved run files.

``make_figures(results)`` draws every figure for which run files exist;
``write_report(results)`` writes ``results/report.md`` and ``results/report.html``.
"""
from __future__ import annotations

import datetime as _dt
import html
from pathlib import Path

import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from .run_file import list_runs, read_run  # noqa: E402

__all__ = ["make_figures", "write_report", "load_runs"]


def load_runs(results: Path, experiment: str):
    """All complete run files of ``experiment`` under ``results/runs``."""
    return [read_run(p) for p in list_runs(Path(results) / "runs", experiment)]


def make_figures(results: Path) -> list[Path]:
    """Draw every figure whose run files exist; return the written paths."""
    from .figures.synapse_check import plot_release_check
    results = Path(results)
    out_dir = results / "figures"
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    runs = load_runs(results, "synapse-check")
    if runs:
        fig, ax = plt.subplots(figsize=(4, 4))
        plot_release_check(ax, runs)
        fig.tight_layout()
        path = out_dir / "synapse_check.png"
        fig.savefig(path, dpi=120)
        plt.close(fig)
        written.append(path)
    return written


def _md_table(rows: list[list[str]], header: list[str]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


def write_report(results: Path, scale: str = "default") -> Path:
    """Write ``report.md`` and ``report.html`` from the run files under ``results``."""
    results = Path(results)
    sections = [f"# mgnet reproduction report\n\nGenerated "
                f"{_dt.datetime.now(_dt.timezone.utc).isoformat(timespec='seconds')} "
                f"at scale `{scale}` from the run files under `{results / 'runs'}`.\n"]
    runs = load_runs(results, "synapse-check")
    if runs:
        rows = []
        for run in runs:
            m = run.metrics
            for k in sorted(k for k in m if k.endswith("_measured")):
                base = k[: -len("_measured")]
                rows.append([run.attrs["condition"], base, f"{m[k]:.3f}",
                             f"{m[base + '_expected']:.3f}", f"{m[base + '_z']:+.2f}"])
        sections.append("## synapse-check: stochastic contacts vs Tsodyks–Markram\n\n"
                        "Measured release per spike of the virtual FM-dye protocols against "
                        "the closed-form expectation (z: difference in binomial standard "
                        "errors; releases within a train are correlated, so |z| of a few is "
                        "expected).\n\n" + _md_table(rows, ["condition", "contact Pr / protocol",
                                                            "measured", "expected", "z"])
                        + "\n\n![synapse-check](figures/synapse_check.png)\n")
    prov = []
    for run in runs:
        a = run.attrs
        prov.append([a["run_id"], a["experiment"], a["condition"], str(a["seed"]),
                     a["git_commit"][:10] + (" (dirty)" if a["git_dirty"] else ""),
                     a["brian2_version"], a["created_utc"]])
    if prov:
        sections.append("## Provenance\n\n" + _md_table(
            prov, ["run", "experiment", "condition", "seed", "commit", "brian2", "created"]))
    md = "\n".join(sections) + "\n"
    md_path = results / "report.md"
    md_path.write_text(md)
    body = "".join(f"<pre>{html.escape(s)}</pre>" if not s.startswith("#") else
                   _md_section_html(s) for s in sections)
    (results / "report.html").write_text(
        "<!doctype html><meta charset='utf-8'><title>mgnet report</title>"
        "<style>body{font-family:sans-serif;max-width:60em;margin:auto}"
        "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 6px}</style>"
        + body)
    return md_path


def _md_section_html(section: str) -> str:
    """Minimal markdown (headings, tables, images, paragraphs) to HTML."""
    out = []
    table: list[str] = []

    def flush():
        if table:
            rows = [r.strip("|").split("|") for r in table if not set(r) <= set("|-: ")]
            out.append("<table>" + "".join(
                "<tr>" + "".join(f"<{'th' if n == 0 else 'td'}>{html.escape(c.strip())}"
                                 f"</{'th' if n == 0 else 'td'}>" for c in r) + "</tr>"
                for n, r in enumerate(rows)) + "</table>")
            table.clear()
    for line in section.splitlines():
        if line.startswith("|"):
            table.append(line)
            continue
        flush()
        if line.startswith("#"):
            level = len(line) - len(line.lstrip("#"))
            out.append(f"<h{level}>{html.escape(line.lstrip('# '))}</h{level}>")
        elif line.startswith("!["):
            src = line[line.index("(") + 1: line.rindex(")")]
            out.append(f"<img src='{html.escape(src)}' style='max-width:100%'>")
        elif line.strip():
            out.append(f"<p>{html.escape(line)}</p>")
    flush()
    return "\n".join(out)
