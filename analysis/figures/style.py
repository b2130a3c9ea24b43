"""The one palette, condition order and figure-saving helper of every mgnet figure.

Every figure module (:mod:`mgnet.analysis.figures.configuration`, ``culture``, ``memory``,
``plasticity``, ``synapse_check``) and every report module that draws takes its colours,
its condition order and its way of writing files from here, so one condition has one
colour everywhere (issue 17).  No other module under ``analysis/figures`` defines a colour
(``tests/test_figures.py`` checks it).

Palette: Okabe & Ito (2008), "Color Universal Design" (https://jfly.uni-koeln.de/color/),
the eight colours that stay distinguishable under protanopia, deuteranopia and tritanopia,
plus neutral greys.  Wong (2011) *Nat Methods* 8:441 recommends the same set.

Saving: :func:`save_figure` writes the PNG, a vector PDF beside it, single-panel PNGs of a
multi-panel figure under ``panels/`` (the README copies of wide figures are split into
these, each at least :data:`MIN_PANEL_HEIGHT_PX` pixels tall) and the figure's caption into
``captions.json`` in the same folder, where :func:`mgnet.analysis.report.write_report` reads it.

Command: ``mgnet figures`` (every figure module saves through here).
"""
from __future__ import annotations

import contextlib
import json
import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path

__all__ = ["OKABE_ITO", "CONDITION_ORDER", "CONDITION_COLORS", "condition_color",
           "order_conditions", "condition_key", "DHILO_COLOR", "DLOHI_COLOR", "INK", "GREY",
           "LIGHT_GREY", "FIT_COLOR", "REFERENCE_COLOR", "HIGHLIGHT_COLOR", "INTERVAL_COLORS",
           "KIND_COLORS", "POPULATION_COLORS", "BAND_COLOR", "BURST_SHADE_COLOR",
           "LTP_COLOR", "LTD_COLOR", "level_colors", "save_figure", "VECTOR_FORMAT",
           "MIN_PANEL_HEIGHT_PX", "CAPTIONS_FILE", "read_captions", "write_captions",
           "recording_captions", "SEM", "SD", "RANGE",
           "ci_label", "describe_n"]

#: Okabe–Ito colours by name (hex sRGB).
OKABE_ITO = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
}

#: The one display order of the conditions of science.md §5 (and the ablation of
#: docs/memory.md); tables and figures list conditions in this order, others after it
#: alphabetically.
CONDITION_ORDER = ("baseline", "elevated_mg", "elevated_mg_o_only", "elevated_mg_i_only",
                   "elevated_mg_membrane_block_only", "aged", "aged_elevated_mg")

#: One colour per condition (distinct; the elevated-Mg family in blues and green, aged in
#: warm colours).
CONDITION_COLORS = {
    "baseline": OKABE_ITO["black"],
    "elevated_mg": OKABE_ITO["blue"],
    "elevated_mg_o_only": OKABE_ITO["sky_blue"],
    "elevated_mg_i_only": OKABE_ITO["bluish_green"],
    "elevated_mg_membrane_block_only": OKABE_ITO["yellow"],
    "aged": OKABE_ITO["vermillion"],
    "aged_elevated_mg": OKABE_ITO["reddish_purple"],
}

#: Neutral greys (not hues, so they never stand for a condition).
INK = "#000000"
GREY = "#595959"
LIGHT_GREY = "#A6A6A6"
#: Configuration groups (median split of P̄r): DHiLo orange, DLoHi grey; never drawn
#: beside the conditions in other colours than these.
DHILO_COLOR = OKABE_ITO["orange"]
DLOHI_COLOR = "#7F7F7F"
#: Fitted curves, published reference curves and highlighted summaries.
FIT_COLOR = OKABE_ITO["vermillion"]
REFERENCE_COLOR = INK
HIGHLIGHT_COLOR = OKABE_ITO["vermillion"]
#: Interval classes of background-filtering.
INTERVAL_COLORS = {"background": OKABE_ITO["sky_blue"], "burst": OKABE_ITO["orange"]}
#: Cue kinds of the recall read-out (planted or stored assembly, sham, unencoded).
KIND_COLORS = {"stored": OKABE_ITO["vermillion"], "sham": LIGHT_GREY,
               "unencoded": OKABE_ITO["sky_blue"]}
#: Raster populations.
POPULATION_COLORS = {"E": "#262626", "I": OKABE_ITO["vermillion"]}
#: Shaded culture band, shaded network bursts, threshold lines.
BAND_COLOR = GREY
BURST_SHADE_COLOR = OKABE_ITO["orange"]
#: LTP and LTD windows of Bi & Poo (1998).
LTP_COLOR = OKABE_ITO["bluish_green"]
LTD_COLOR = OKABE_ITO["vermillion"]
#: Spare colours for conditions outside :data:`CONDITION_ORDER`.
_SPARE = (OKABE_ITO["orange"], GREY, LIGHT_GREY)

#: Names of the error bars, as the panels print them.
SEM = "mean ± SEM"
SD = "mean ± SD"
RANGE = "mean, band = range over seeds (min–max)"


def ci_label(method: str | None = None) -> str:
    """Short name of the project's 95 % interval, e.g. "studentised bootstrap
    (bootstrap-t) 95 % CI" (:func:`mgnet.analysis.statistics.interval_description` gives the
    long form with its measured coverage)."""
    from ..statistics import _INTERVAL_NAMES, DEFAULT_CI_METHOD
    return f"{_INTERVAL_NAMES[method or DEFAULT_CI_METHOD]} 95 % CI"


def condition_color(condition: str, index: int = 0) -> str:
    """Colour of ``condition`` (a chronic-arm label ``X+chronic`` takes the colour of X);
    conditions outside :data:`CONDITION_ORDER` cycle through spare colours."""
    base = str(condition).split("+")[0]
    return CONDITION_COLORS.get(base, _SPARE[index % len(_SPARE)])


def condition_key(condition: str) -> tuple[int, str]:
    """Sort key of a condition in :data:`CONDITION_ORDER` (others after, alphabetically)."""
    base = str(condition).split("+")[0]
    i = CONDITION_ORDER.index(base) if base in CONDITION_ORDER else len(CONDITION_ORDER)
    return (i, str(condition))


def order_conditions(conditions: Iterable[str]) -> list[str]:
    """``conditions`` (unique) in the one display order."""
    return sorted(dict.fromkeys(conditions), key=condition_key)


def level_colors(n: int) -> list[str]:
    """``n`` ordered colours for a graded quantity (e.g. bath [Mg] levels): the blues and
    greens of the palette from light to dark, so more Mg reads darker."""
    seq = [OKABE_ITO["sky_blue"], OKABE_ITO["bluish_green"], OKABE_ITO["blue"], INK]
    if n <= len(seq):
        return seq[:n] if n > 1 else [OKABE_ITO["blue"]]
    return [seq[min(len(seq) - 1, int(i * len(seq) / n))] for i in range(n)]


# ----------------------------------------------------------------------------- saving

#: Vector format written beside every PNG.
VECTOR_FORMAT = "pdf"
#: Panels of multi-panel figures are written at least this tall (pixels).
MIN_PANEL_HEIGHT_PX = 420
#: Captions of the figures of a folder (file name -> caption), written by
#: :func:`save_figure`.
CAPTIONS_FILE = "captions.json"


def read_captions(folder: Path) -> dict:
    """The ``captions.json`` of ``folder`` ({} if absent or unreadable)."""
    p = Path(folder) / CAPTIONS_FILE
    try:
        return json.loads(p.read_text())
    except (OSError, ValueError):
        return {}


def write_captions(folder: Path, entries: Mapping[str, dict]) -> None:
    """Add ``entries`` (file name -> caption entry) to the ``captions.json`` of ``folder``."""
    captions = read_captions(folder)
    captions.update(entries)
    (Path(folder) / CAPTIONS_FILE).write_text(json.dumps(captions, indent=1, sort_keys=True,
                                                         ensure_ascii=False) + "\n")


#: Captions kept by :func:`recording_captions` (folder -> file name -> entry), or None.
_RECORDED: dict | None = None


@contextlib.contextmanager
def recording_captions() -> Iterator[dict]:
    """Keep the captions that :func:`save_figure` would write into ``captions.json``
    in the yielded dict (folder -> file name -> entry) instead, for a caller that draws
    in several processes and writes them once, in order, with :func:`write_captions`."""
    global _RECORDED
    outer, _RECORDED = _RECORDED, {}
    try:
        yield _RECORDED
    finally:
        _RECORDED = outer


def _panel_axes(fig) -> list:
    """Top-level, visible, non-empty axes of ``fig`` (inset and colour-bar axes excluded),
    in reading order (rows, then columns)."""
    axes = [a for a in fig.axes if a.get_visible() and a.axison
            and a.get_label() != "<colorbar>" and getattr(a, "_colorbar", None) is None
            and not any(a in p.child_axes for p in fig.axes)]
    return sorted(axes, key=lambda a: (-round(a.get_position().y1, 2),
                                       round(a.get_position().x0, 2)))


def save_figure(fig, path: Path, dpi: int = 150, *, caption: str | None = None,
                panel_captions: Sequence[str] | None = None, close: bool = True,
                split: str = "axes") -> Path:
    """Write ``fig`` to ``path`` (PNG), a PDF beside it and, for a figure of several
    panels, one PNG per panel under ``path.parent / "panels"``; record ``caption``.

    Parameters
    ----------
    fig : matplotlib Figure
    path : path
        The PNG's path; the PDF gets the same stem.
    dpi : int
        PNG resolution; single panels are written at least :data:`MIN_PANEL_HEIGHT_PX`
        pixels tall.
    caption : str, optional
        What the figure plots, its error bars and n (stored in ``captions.json``).
    panel_captions : sequence of str, optional
        One short description per panel (reading order), stored with the caption.
    close : bool
        Close the figure afterwards.
    split : {"axes", "columns"}
        Single panels are the axes, or the columns of axes (e.g. a raster above its
        population rate, which belong together).

    Returns
    -------
    pathlib.Path
        ``path``.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=dpi)
    fig.savefig(path.with_suffix("." + VECTOR_FORMAT))
    axes = _panel_axes(fig)
    panels = _save_panels(fig, path, dpi, axes, split) if len(axes) > 1 else []
    entry = {"caption": caption or "", "panels": panels}
    if panel_captions:
        entry["panel_captions"] = list(panel_captions)
    if _RECORDED is not None:
        _RECORDED.setdefault(str(path.parent), {})[path.name] = entry
    else:
        write_captions(path.parent, {path.name: entry})
    if close:
        import matplotlib.pyplot as plt
        plt.close(fig)
    return path


def _save_panels(fig, path: Path, dpi: int, axes: list, split: str) -> list[str]:
    """One PNG per panel (the ``axes``, or their columns) under ``path.parent / "panels"``,
    each cut at its neighbours' extents; returns the file names (see :func:`save_figure`)."""
    from matplotlib.transforms import Bbox
    renderer = fig.canvas.get_renderer()
    pdir = path.parent / "panels"
    pdir.mkdir(exist_ok=True)
    inv = fig.dpi_scale_trans.inverted()
    tight = [ax.get_tightbbox(renderer).transformed(inv) for ax in axes]
    frames = [ax.get_window_extent(renderer).transformed(inv) for ax in axes]
    if split == "columns":
        cols: dict = {}
        for t, f in zip(tight, frames, strict=True):
            cols.setdefault(round(f.x0, 1), []).append((t, f))
        tight = [Bbox.union([t for t, _ in g]) for _, g in sorted(cols.items())]
        frames = [Bbox.union([f for _, f in g]) for _, g in sorted(cols.items())]
        axes = [None] * len(tight)
    elif split != "axes":
        raise ValueError(f"split must be 'axes' or 'columns', got {split!r}")
    panels = []
    fb = fig.bbox_inches
    for k in range(len(axes)):
        bb = _panel_extent(k, tight, frames, fb)
        pdpi = max(dpi, math.ceil(MIN_PANEL_HEIGHT_PX / max(bb.height, 1e-3)))
        name = f"{path.stem}_{chr(ord('a') + k)}.png"
        fig.savefig(pdir / name, dpi=pdpi, bbox_inches=bb)
        panels.append(name)
    return panels


def _panel_extent(k: int, tight: list, frames: list, fb):
    """Box (inches) of panel ``k``: its tight box plus a margin, inside the figure ``fb``,
    stopped at the nearest neighbour's extent so that the neighbours' labels stay out."""
    from matplotlib.transforms import Bbox
    bb, fr = tight[k], frames[k]
    x0, y0 = max(bb.x0 - 0.05, 0), max(bb.y0 - 0.05, 0)
    x1, y1 = min(bb.x1 + 0.05, fb.x1), min(bb.y1 + 0.05, fb.y1)
    # keep the neighbours' labels out: stop at the nearest neighbour's extent
    for j, (ob, of) in enumerate(zip(tight, frames, strict=True)):
        if j == k:
            continue
        if of.y1 > fr.y0 and of.y0 < fr.y1:          # same row
            if of.x0 >= fr.x1:
                x1 = min(x1, ob.x0)
            elif of.x1 <= fr.x0:
                x0 = max(x0, ob.x1)
        if of.x1 > fr.x0 and of.x0 < fr.x1:          # same column
            if of.y0 >= fr.y1:
                y1 = min(y1, ob.y0)
            elif of.y1 <= fr.y0:
                y0 = max(y0, ob.y1)
    return Bbox.from_extents(x0, y0, max(x1, x0 + 0.1), max(y1, y0 + 0.1))


def describe_n(values: Mapping[str, int], unit: str) -> str:
    """"n = 5 baseline, 5 elevated_mg seeds" style text."""
    parts = [f"{v} {k}" for k, v in values.items()]
    return f"n = {', '.join(parts)} {unit}" if parts else f"n = 0 {unit}"
