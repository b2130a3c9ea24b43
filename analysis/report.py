"""The reproduction report, computed only from saved run files.

- :func:`write_report` writes ``results/report.md`` and ``results/report.html``: the
  sections of every analysis study (:mod:`mgnet.analysis.studies`, in their order: the
  synapse check, the configuration targets T1–T9, the plasticity rule, the culture bands
  and background filtering, memory encoding, capacity, retention and the noise floor), a
  numbered caption with its paper verdict under every figure, and the provenance of every
  run file.
- :func:`make_figures` (from :mod:`mgnet.analysis.studies`) draws every figure whose run
  files exist to ``results/figures/*.png``.
- :func:`figures_and_report` does both, each study's figures and sections in one task,
  the studies in parallel processes (``mgnet reproduce``).
- :func:`export_docs_figures` (from :mod:`mgnet.analysis.docs_figures`) writes small PNG
  copies of the main figures to ``docs/figures`` (``make docs-figures`` →
  ``mgnet figures --docs``).

Never imports brian2: a report can be rebuilt on a machine without a compiler.
Command: ``mgnet figures`` / ``mgnet reproduce``.
"""
from __future__ import annotations

import datetime as _dt
import html
import json
import re
from pathlib import Path

import h5py
import numpy as np

from .docs_figures import (
    DOCS_FIGURES,
    DOCS_MANIFEST,
    DOCS_MIN_HEIGHT_PX,
    DOCS_TITLES,
    VERDICTS_FILE,
    export_docs_figures,
    readme_figures_block,
    write_readme_figures,
)
from .figures.style import read_captions
from .markdown import markdown_table
from .run_file import list_runs
from .run_file.shared import shared_reads
from .studies import (
    FIGURE_DPI,
    NOT_JUDGED,
    NOT_REPRODUCED,
    REPRODUCED,
    discover,
    figure_verdicts,
    latest_scale,
    load_runs,
    make_figures,
    run_studies,
)
from .studies.configuration import (
    FIGURE_TARGETS,
    NOT_A_TARGET,
    configuration_figures,
    configuration_section,
)

__all__ = ["make_figures", "write_report", "figures_and_report", "load_runs", "latest_scale",
           "configuration_figures", "configuration_section", "export_docs_figures",
           "figure_verdicts", "add_captions", "readme_figures_block",
           "write_readme_figures", "DOCS_FIGURES", "DOCS_TITLES", "DOCS_MANIFEST",
           "DOCS_MIN_HEIGHT_PX", "FIGURE_DPI", "FIGURE_TARGETS", "NOT_A_TARGET",
           "VERDICTS_FILE", "REPRODUCED", "NOT_REPRODUCED", "NOT_JUDGED"]


_IMAGE = re.compile(r"^!\[([^\]]*)\]\((figures/([^)\s]+))\)\s*$")


def add_captions(markdown: str, captions: dict, verdicts: dict, start: int = 0,
                 figures_dir: Path | None = None) -> tuple[str, int]:
    """Insert a numbered caption after every figure line ``![..](figures/NAME)``: what is
    plotted, its error bars and n (from ``captions``, written when the figure was drawn)
    and whether it reproduces its paper target (``verdicts``).  Figures are numbered from
    ``start`` + 1; returns the text and the last number used."""
    out, n = [], start
    for line in markdown.split("\n"):
        out.append(line)
        m = _IMAGE.match(line)
        if not m:
            continue
        n += 1
        name = m.group(3)
        cap = (captions.get(name) or {}).get("caption") or "(no caption recorded: the figure " \
            "was drawn by an older version; redraw it with `mgnet figures`)"
        if figures_dir is not None and not (Path(figures_dir) / name).exists():
            cap = "(not drawn: run `mgnet figures` once its run files exist)"
        v = verdicts.get(name)
        verdict = (f" **Paper target: {v['label']}.**"
                   + (f" Failing: {v['detail']}." if v.get("detail") else "")) if v else ""
        vec = Path(name).with_suffix(".pdf").name
        out.append("")
        out.append(f"**Figure {n}** (`{name}`, vector: [{vec}](figures/{vec})). {cap}{verdict}")
        out.append("")
    return "\n".join(out), n

def _root_attrs(path: Path) -> dict:
    with h5py.File(path, "r") as f:
        out = {}
        for k, v in f.attrs.items():
            if isinstance(v, bytes):
                v = v.decode("utf-8", "replace")
            elif isinstance(v, np.generic):
                v = v.item()
            out[k] = v
        return out


def _provenance(results: Path, scale: str | None) -> list[str]:
    """The "Provenance" section: one row per run file (none without run files)."""
    prov = []
    for path in list_runs(results / "runs", scale=scale):
        a = _root_attrs(path)
        prov.append([str(a.get("run_id", path.stem)), str(a.get("experiment", "?")),
                     str(a.get("condition", "?")), str(a.get("seed", "?")),
                     str(a.get("git_commit", "?"))[:10] + (" (dirty)" if a.get("git_dirty") else ""),
                     str(a.get("brian2_version", "?")), str(a.get("created_utc", "?"))])
    if not prov:
        return []
    return ["## Provenance\n\n" + markdown_table(
        prov, ["run", "experiment", "condition", "seed", "commit", "brian2", "created"])]


def write_report(results: Path, scale: str | None = None) -> Path:
    """Write ``report.md`` and ``report.html`` from the run files under ``results``
    made at ``scale`` (default: the scale of the newest run file), in this process, with
    the figures already drawn (their captions)."""
    results = Path(results)
    with shared_reads():
        scale = scale or latest_scale(results)
        sections = [_heading(results, scale)]
        context: dict = {}
        for study in discover():
            sections += study.sections(results, scale, context)
        return _write(results, scale, sections, context)


def figures_and_report(results: Path, scale: str | None = None,
                       workers: int | None = None) -> tuple[list[Path], Path]:
    """:func:`make_figures` and :func:`write_report` in one step: each study's figures
    and sections in one task, the tasks in up to ``workers`` processes (default one per
    core; 1: in this process; :func:`mgnet.analysis.studies.run_studies`).  Returns the
    written figures (study by study, in report order) and the report's path; the files
    are those of ``make_figures`` then ``write_report``."""
    results = Path(results)
    scale = scale or latest_scale(results)
    heading = _heading(results, scale)
    outs = run_studies(results, scale, figures=True, sections=True, workers=workers)
    context: dict = {}
    for out in outs:
        context.update(out.context)
    with shared_reads():
        report = _write(results, scale, [heading] + [s for o in outs for s in o.sections],
                        context)
    return [p for o in outs for p in o.figures], report


def _heading(results: Path, scale: str | None) -> str:
    """The report's title and when, at which scale and from where it was generated."""
    return (f"# mgnet reproduction report\n\nGenerated "
            f"{_dt.datetime.now(_dt.UTC).isoformat(timespec='seconds')} "
            f"at scale `{scale}` from the run files under `{results / 'runs'}`.\n")


def _write(results: Path, scale: str | None, sections: list[str], context: dict) -> Path:
    """Captions under the figures of ``sections``, the provenance, then ``report.md``,
    ``report.html`` and the figure verdicts file; returns the path of ``report.md``."""
    # A caption under every figure, with its paper verdict from the rows above.
    verdicts = figure_verdicts(results, scale, context=context)
    captions = read_captions(results / "figures")
    n_fig = 0
    for i, sec in enumerate(sections):
        sections[i], n_fig = add_captions(sec, captions, verdicts, start=n_fig,
                                          figures_dir=results / "figures")
    (results / "figures").mkdir(parents=True, exist_ok=True)
    (results / "figures" / VERDICTS_FILE).write_text(
        json.dumps(verdicts, indent=1, sort_keys=True, ensure_ascii=False) + "\n")

    sections += _provenance(results, scale)
    md = "\n".join(sections) + "\n"
    md_path = results / "report.md"
    md_path.write_text(md)
    body = "".join(f"<pre>{html.escape(s)}</pre>" if not s.startswith("#") else
                   _md_section_html(s) for s in sections)
    (results / "report.html").write_text(
        "<!doctype html><meta charset='utf-8'><title>mgnet report</title>"
        "<style>body{font-family:sans-serif;max-width:75em;margin:auto}"
        "table{border-collapse:collapse;font-size:90%}"
        "td,th{border:1px solid #ccc;padding:2px 6px;vertical-align:top}"
        "img{max-width:100%}</style>"
        + body)
    return md_path


_LINK = re.compile(r"\[([^\]]*)\]\(([^)\s]+)\)")
_BOLD = re.compile(r"\*\*([^*]+)\*\*")
_CODE = re.compile(r"`([^`]+)`")


def _inline(text: str) -> str:
    """Escape text and render markdown links, **bold** and `code`."""
    out = html.escape(text, quote=False)
    out = _LINK.sub(lambda m: f"<a href=\"{html.escape(m.group(2))}\">{m.group(1)}</a>", out)
    out = _BOLD.sub(r"<b>\1</b>", out)
    return _CODE.sub(r"<code>\1</code>", out)


def _md_section_html(section: str) -> str:
    """Minimal markdown (headings, tables, images, bullet lists, links, paragraphs) to HTML."""
    out = []
    table: list[str] = []
    items: list[str] = []

    def flush():
        if table:
            rows = [r.strip().strip("|").split("|") for r in table
                    if not set(r.strip()) <= set("|-: ")]
            out.append("<table>" + "".join(
                "<tr>" + "".join(f"<{'th' if n == 0 else 'td'}>{_inline(c.strip())}"
                                 f"</{'th' if n == 0 else 'td'}>" for c in r) + "</tr>"
                for n, r in enumerate(rows)) + "</table>")
            table.clear()
        if items:
            out.append("<ul>" + "".join(f"<li>{_inline(i)}</li>" for i in items) + "</ul>")
            items.clear()
    for line in section.splitlines():
        if line.startswith("|"):
            table.append(line)
            continue
        if line.startswith("- "):
            if table:
                flush()
            items.append(line[2:])
            continue
        flush()
        if line.startswith("#"):
            level = len(line) - len(line.lstrip("#"))
            out.append(f"<h{level}>{_inline(line.lstrip('# '))}</h{level}>")
        elif line.startswith("!["):
            src = line[line.index("(") + 1: line.rindex(")")]
            out.append(f"<img src='{html.escape(src)}'>")
        elif line.strip():
            out.append(f"<p>{_inline(line)}</p>")
    flush()
    return "\n".join(out)
