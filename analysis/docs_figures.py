"""Legible copies of the main figures for the documentation and the README's figure list
(``make docs-figures`` → ``mgnet figures --docs``), with each panel's verdict.

The figures and their titles come from the studies (:mod:`mgnet.analysis.studies`), the
verdicts from ``results/figures/verdicts.json`` (written by
:func:`mgnet.analysis.report.write_report`) or, without it, from
:func:`mgnet.analysis.studies.figure_verdicts`.  Never imports brian2.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

from .figures.style import read_captions
from .run_file import list_runs
from .studies import (
    NOT_JUDGED,
    docs_figures,
    docs_titles,
    figure_verdicts,
    latest_scale,
    make_figures,
)

__all__ = ["export_docs_figures", "readme_figures_block", "write_readme_figures",
           "DOCS_FIGURES", "DOCS_TITLES", "DOCS_MIN_HEIGHT_PX", "DOCS_MANIFEST",
           "VERDICTS_FILE"]

#: Figures copied to ``docs/figures`` by :func:`export_docs_figures`, in this order.
DOCS_FIGURES = docs_figures()
#: Short titles of the README copies.
DOCS_TITLES = docs_titles()
#: Verdicts of the figures, written beside them by
#: :func:`mgnet.analysis.report.write_report` (read here for the README labels).
VERDICTS_FILE = "verdicts.json"
#: Every README copy is at least this tall (pixels); wider figures are split into panels.
DOCS_MIN_HEIGHT_PX = 400
#: Record of the README copies (file, panels, verdict label, scale), merged over exports.
DOCS_MANIFEST = "manifest.json"
_README_BEGIN = "<!-- docs-figures:begin"
_README_END = "<!-- docs-figures:end -->"


def export_docs_figures(results: Path, dest: Path = Path("docs/figures"),
                        width_px: int = 640, readme: Path | None = Path("README.md"),
                        min_height_px: int = DOCS_MIN_HEIGHT_PX) -> list[Path]:
    """Write legible PNG copies of the main figures for the documentation and the README's
    figure list with each panel's verdict.

    The figures under ``results/figures`` are drawn first if none of :data:`DOCS_FIGURES`
    exists yet.  A figure of one panel is copied whole; a figure of several panels is copied
    as its single panels (``<stem>_a.png`` …, written by
    :func:`mgnet.analysis.figures.style.save_figure`), so no copy is a strip of small panels.
    Each copy is downscaled (never enlarged) to ``width_px`` pixels wide unless that would
    make it less than ``min_height_px`` tall, with a Lanczos filter, and stored as a
    256-colour palette PNG (small, byte-stable).

    The verdict of every copy ("T1: not reproduced" …) is taken from
    ``results/figures/verdicts.json`` (written by :func:`write_report`) or, without it,
    computed by :func:`figure_verdicts` with the same rules; it is recorded in
    ``dest/manifest.json`` (merged with earlier exports, so figures of several results
    folders can be combined) and written into ``readme`` between the markers
    ``<!-- docs-figures:begin ... -->`` and ``<!-- docs-figures:end -->``.

    Parameters
    ----------
    results : path
        Results directory.
    dest : path, default ``docs/figures`` (relative to the working directory)
    width_px : int, default 640
    readme : path or None, default ``README.md``
        File whose marked block lists the copies; None or a file without the markers is
        left alone.
    min_height_px : int, default :data:`DOCS_MIN_HEIGHT_PX`

    Returns
    -------
    list of pathlib.Path
        The written files, in the order of :data:`DOCS_FIGURES`.
    """
    results, dest = Path(results), Path(dest)
    src_dir = results / "figures"
    if not any((src_dir / n).exists() for n in DOCS_FIGURES):
        make_figures(results)
    dest.mkdir(parents=True, exist_ok=True)
    vfile = src_dir / VERDICTS_FILE
    run_files = list_runs(results / "runs")
    newest = max((p.stat().st_mtime for p in run_files), default=0.0)
    # the report's verdicts unless run files changed after it was written
    verdicts = (json.loads(vfile.read_text())
                if vfile.exists() and vfile.stat().st_mtime >= newest
                else figure_verdicts(results))
    captions = read_captions(src_dir)
    scale = latest_scale(results)
    mpath = dest / DOCS_MANIFEST
    manifest = json.loads(mpath.read_text()) if mpath.exists() else {}
    out = []
    for name in DOCS_FIGURES:
        if (src_dir / name).exists():
            out += _copy_figure(name, src_dir, dest, width_px, min_height_px, captions,
                                verdicts, scale, manifest)
    mpath.write_text(json.dumps(manifest, indent=1, sort_keys=True, ensure_ascii=False)
                     + "\n")
    if readme is not None and Path(readme).exists():
        write_readme_figures(Path(readme), dest, manifest)
    return out


def _copy_figure(name: str, src_dir: Path, dest: Path, width_px: int, min_height_px: int,
                 captions: dict, verdicts: dict, scale: str | None,
                 manifest: dict) -> list[Path]:
    """Copy one figure (whole, or as its panels) to ``dest`` and record it in
    ``manifest``; return the written files."""
    src = src_dir / name
    stem = Path(name).stem
    panels = (captions.get(name) or {}).get("panels", [])
    files = []
    if panels and all((src_dir / "panels" / p).exists() for p in panels):
        for p in panels:
            files.append(_shrink_png(src_dir / "panels" / p, dest / p, width_px,
                                     min_height_px))
        if (dest / name).exists():
            (dest / name).unlink()          # the old strip of small panels
    else:
        files.append(_shrink_png(src, dest / name, width_px, min_height_px))
    for old in dest.glob(f"{stem}_?.png"):
        if old not in files:
            old.unlink()
    entry_files = []
    for f in files:
        letter = f.stem[len(stem) + 1:] if f.stem != stem else ""
        v = verdicts.get(f"{name}#{letter}") or verdicts.get(name) or {
            "status": NOT_JUDGED, "label": "no verdict recorded", "detail": ""}
        with _open_image(f) as im:
            size = list(im.size)
        entry_files.append({"file": f.name, "panel": letter, "size_px": size,
                            "status": v["status"], "label": v["label"],
                            "detail": v.get("detail", "")})
    manifest[name] = {"title": DOCS_TITLES.get(name, stem), "scale": scale,
                      "caption": (captions.get(name) or {}).get("caption", ""),
                      "files": entry_files}
    return files


def _open_image(path: Path):
    from PIL import Image
    return Image.open(path)


def readme_figures_block(manifest: dict, rel: str) -> str:
    """Markdown of the README's figure list from a docs manifest: per figure its title,
    its verdict per panel and the copies (paths relative to the README: ``rel``)."""
    lines = [f"{_README_BEGIN} (written by `make docs-figures` from the report's "
             "verdicts; do not edit by hand) -->", ""]
    order = [n for n in DOCS_FIGURES if n in manifest] + sorted(
        n for n in manifest if n not in DOCS_FIGURES)
    for name in order:
        e = manifest[name]
        files = e["files"]
        labels = list(dict.fromkeys(f["label"] for f in files))
        statuses = list(dict.fromkeys(f["status"] for f in files))
        status = statuses[0] if len(statuses) == 1 else "partly reproduced"
        lines.append(f"**{e['title']}: {status}** ({e['scale']} scale)")
        lines.append("")
        def said(f):
            return f["label"] + (f" (failing: {f['detail']})" if f.get("detail") else "")
        if len(labels) == 1:
            lines.append(f"{said(files[0])}.")
        else:
            lines.append(" ".join(f"Panel {f['panel']}: {said(f)}." for f in files))
        lines.append("")
        lines.append(" ".join(f"![{Path(f['file']).stem}]({rel}/{f['file']})" for f in files))
        lines.append("")
    lines.append(_README_END)
    return "\n".join(lines)


def write_readme_figures(readme: Path, dest: Path, manifest: dict) -> bool:
    """Replace the marked figure block of ``readme``; False if it has no markers."""
    text = readme.read_text()
    a, b = text.find(_README_BEGIN), text.find(_README_END)
    if a < 0 or b < a:
        return False
    rel = os.path.relpath(Path(dest).resolve(), Path(readme).resolve().parent)
    block = readme_figures_block(manifest, Path(rel).as_posix())
    readme.write_text(text[:a] + block + text[b + len(_README_END):])
    return True


def _shrink_png(src: Path, dst: Path, width_px: int, min_height_px: int = 0) -> Path:
    from PIL import Image  # a matplotlib dependency
    with Image.open(src) as im:
        im = im.convert("RGB")
        scale = min(1.0, width_px / im.width)
        if im.height * scale < min_height_px:
            scale = min(1.0, min_height_px / im.height)
        if scale < 1.0:
            size = (max(1, round(im.width * scale)), max(1, round(im.height * scale)))
            im = im.resize(size, Image.Resampling.LANCZOS)
        im.quantize(colors=256, method=Image.Quantize.MEDIANCUT).save(dst, optimize=True)
    return dst


# -------------------------------------------------------------------------------- report
