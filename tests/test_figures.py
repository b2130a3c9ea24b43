"""Figures (issue 17): one colour-blind-safe palette, error bars and n named, PDF beside
PNG, captions in the report, README copies legible and labelled from the report's verdicts.

Fast: figures are drawn from small planted run files (tests/test_configuration_report.py's
synthetic assays) or from plain arrays; nothing is simulated.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.colors import to_rgb  # noqa: E402

from mgnet.analysis.figures import style  # noqa: E402

FIGURES = Path(__file__).resolve().parents[1] / "analysis" / "figures"
ANALYSIS = FIGURES.parent

#: Colour literals a module may not define outside the palette module: hex colours,
#: matplotlib's cycle ("C0") and tableau names ("tab:blue"), colour maps, named or
#: one-letter colours in colour keywords, and format strings that carry a colour ("k-").
_FORBIDDEN = [
    (re.compile(r"#[0-9a-fA-F]{6}\b|#[0-9a-fA-F]{3}\b(?![0-9a-fA-F])"), "hex colour"),
    (re.compile(r"[\"']C\d[\"']"), "colour-cycle colour"),
    (re.compile(r"[\"']tab:"), "tableau colour"),
    (re.compile(r"colormaps\[|cmap\s*=|get_cmap\("), "colour map"),
    (re.compile(r"(?:color|colors|ecolor|mec|mfc|facecolor|facecolors|edgecolor|edgecolors)"
                r"\s*=\s*[\"'](?!none[\"'])[A-Za-z0-9.:#]+[\"']"), "literal colour keyword"),
    (re.compile(r"[\"']\{?[\"']?:\s*[\"'](?:k|r|b|g|c|m|y|w)[\"']"), "one-letter colour"),
    (re.compile(r"[\"'][rgbcmykw](?:-|--|:|-\.|o|s|\.)[\"']"), "colour in a format string"),
]


def _figure_sources():
    files = sorted(p for p in FIGURES.glob("*.py") if p.name not in ("style.py",
                                                                      "__init__.py"))
    # the report modules that draw (they lay panels out and save them): the unambiguous
    # rules only (their text is full of "C1"-like labels and "ms" strings)
    # (a report split into a subpackage, issue 16: every module of it)
    for name in ("culture_report", "memory_report", "plasticity_report", "report"):
        package = ANALYSIS / name
        files += sorted(package.glob("*.py")) if package.is_dir() else [ANALYSIS / f"{name}.py"]
    return files


@pytest.mark.parametrize("path", _figure_sources(),
                         ids=lambda p: str(p.relative_to(ANALYSIS)))
def test_no_module_defines_its_own_colours(path):
    """Every colour comes from analysis/figures/style.py."""
    bad = []
    rules = _FORBIDDEN if path.parent == FIGURES else [_FORBIDDEN[i] for i in (0, 2, 3, 4)]
    for n, line in enumerate(path.read_text().splitlines(), 1):
        code = line.split("#", 1)[0] if not re.search(r"[\"']#", line) else line
        if code.lstrip().startswith(("#", '"""')):
            continue
        for rx, what in rules:
            if rx.search(code):
                bad.append(f"{path.name}:{n}: {what}: {line.strip()}")
    assert not bad, "\n".join(bad)


def test_every_condition_has_one_distinct_colour():
    cols = [to_rgb(style.CONDITION_COLORS[c]) for c in style.CONDITION_ORDER]
    assert set(style.CONDITION_COLORS) == set(style.CONDITION_ORDER)
    assert len(set(cols)) == len(cols)
    # all from the Okabe-Ito set (colour-blind safe)
    palette = {to_rgb(v) for v in style.OKABE_ITO.values()}
    assert set(cols) <= palette
    # the groups shown beside conditions differ from them
    for g in (style.DHILO_COLOR, style.DLOHI_COLOR):
        assert to_rgb(g) not in {to_rgb(style.CONDITION_COLORS[c])
                                 for c in ("baseline", "elevated_mg")}
    # a chronic-arm label keeps its condition's colour
    assert style.condition_color("elevated_mg+chronic") == style.CONDITION_COLORS["elevated_mg"]


def test_one_condition_order_everywhere():
    from mgnet.analysis import configuration_report, culture_report, memory_report
    for mod in (configuration_report, culture_report, memory_report):
        assert mod.CONDITION_ORDER == style.CONDITION_ORDER
    assert style.order_conditions(["zeta", "aged", "elevated_mg", "baseline"]) == [
        "baseline", "elevated_mg", "aged", "zeta"]


def test_the_same_condition_has_the_same_colour_in_every_module():
    from mgnet.analysis.figures import memory, plasticity
    assert memory.COLORS["elevated_mg"] == style.CONDITION_COLORS["elevated_mg"]
    assert plasticity.GROUP_COLORS["elevated_mg"] == style.CONDITION_COLORS["elevated_mg"]
    assert plasticity.GROUP_COLORS["DHiLo"] == style.DHILO_COLOR


def test_save_figure_writes_pdf_panels_and_caption(tmp_path):
    fig, axes = plt.subplots(1, 3, figsize=(12, 3))
    for ax in axes:
        ax.plot([0, 1], [0, 1])
        ax.set_title("t")
    inset = axes[0].inset_axes([0.6, 0.6, 0.3, 0.3])
    inset.plot([0, 1], [1, 0])
    p = style.save_figure(fig, tmp_path / "x.png", 100, caption="what, bars, n = 3")
    assert p.exists() and (tmp_path / "x.pdf").read_bytes()[:4] == b"%PDF"
    caps = style.read_captions(tmp_path)
    assert caps["x.png"]["caption"] == "what, bars, n = 3"
    # three panels (the inset is part of panel a, not a panel), each tall enough
    assert caps["x.png"]["panels"] == ["x_a.png", "x_b.png", "x_c.png"]
    from PIL import Image
    for name in caps["x.png"]["panels"]:
        with Image.open(tmp_path / "panels" / name) as im:
            assert im.height >= style.MIN_PANEL_HEIGHT_PX
    # columns kept together (a raster above its rate)
    fig, axes = plt.subplots(2, 2, figsize=(10, 5))
    for ax in axes.ravel():
        ax.plot([0, 1])
    style.save_figure(fig, tmp_path / "r.png", 100, split="columns")
    assert style.read_captions(tmp_path)["r.png"]["panels"] == ["r_a.png", "r_b.png"]
    with Image.open(tmp_path / "panels" / "r_a.png") as im:
        assert im.height > im.width * 0.8
    # a single-panel figure has no panel copies
    fig, ax = plt.subplots()
    ax.plot([0, 1])
    style.save_figure(fig, tmp_path / "y.png", 100, caption="c")
    assert style.read_captions(tmp_path)["y.png"]["panels"] == []
    assert (tmp_path / "y.pdf").exists()


# ------------------------------------------------------------------- figures from run data

def _labels_text(fig) -> str:
    out = []
    for ax in fig.axes:
        out += [ax.get_title(), ax.get_ylabel(), ax.get_xlabel()]
        out += [t.get_text() for t in ax.get_xticklabels()]
        leg = ax.get_legend()
        if leg is not None:
            out += [t.get_text() for t in leg.get_texts()]
    out += [t.get_text() for t in fig.texts]
    return "\n".join(out)


def test_memory_panels_state_error_bars_and_n():
    from mgnet.analysis.figures import memory as fm
    rng = np.random.default_rng(0)
    t = np.linspace(0, 10, 6)
    curves = {"baseline": (t, rng.normal(size=(4, 6))),
              "elevated_mg": (t, rng.normal(size=(4, 6)))}
    cf = np.array([0.25, 0.5])
    fig, axes = plt.subplots(1, 4, figsize=(16, 3))
    fm.plot_snr_curves(axes[0], curves, t_encoding_end=2.0)
    fm.plot_completion(axes[1], {c: (cf, rng.normal(size=(4, 2))) for c in curves})
    fm.plot_paired(axes[2], {"elevated_mg − baseline": {"d": rng.normal(size=4)}}, "d", "Δ")
    fm.plot_cue_kinds(axes[3], {"stored": (cf, rng.normal(size=(3, 2))),
                                "sham": (cf, rng.normal(size=(3, 2)))}, ylabel="Q")
    text = _labels_text(fig)
    plt.close(fig)
    assert "range over seeds" in text and "n = 4 seeds" in text and "n = 4)" in text
    assert "n = 3 seeds" in text and "SD" not in text
    # one colour per condition in the lines
    cols = {line.get_label(): line.get_color() for line in axes[0].get_lines()}
    assert cols["baseline (n = 4 seeds)"] == style.CONDITION_COLORS["baseline"]


def test_filtering_and_stdp_panels_name_their_interval():
    from mgnet.analysis.figures import culture as fcu
    from mgnet.analysis.figures import plasticity as fp
    fig, axes = plt.subplots(1, 2)
    rows = [{"condition": "elevated_mg", "interval": k, "n": 40, "rel_change": -0.3,
             "low": -0.35, "high": -0.25, "prediction": -0.32} for k in ("background",
                                                                         "burst")]
    fcu.plot_filtering(axes[0], rows, ci_name=style.ci_label())
    fp.plot_stdp_curve(axes[1], {"baseline": {"dt_ms": [-10, 10], "mean": [-0.1, 0.1],
                                              "low": [-0.2, 0.0], "high": [0.0, 0.2]}},
                       ci_name=style.ci_label())
    text = _labels_text(fig)
    plt.close(fig)
    assert text.count("studentised bootstrap (bootstrap-t) 95 % CI") == 2
    assert "95 % CI 95 % CI" not in text
    assert "n = 40 neurons" in text


@pytest.fixture(scope="module")
def config_results(tmp_path_factory):
    from tests.test_configuration_report import write_full_results
    root = tmp_path_factory.mktemp("figres")
    write_full_results(root)
    from mgnet.analysis.report import make_figures, write_report
    written = make_figures(root)
    md = write_report(root, scale="quick")
    return root, written, md.read_text()


def test_every_figure_has_a_pdf_and_a_caption(config_results):
    root, written, text = config_results
    assert written
    caps = style.read_captions(root / "figures")
    for p in written:
        assert p.with_suffix(".pdf").exists(), p
        c = caps[p.name]["caption"]
        assert "n = " in c and ("error bar" in c or "SEM" in c), (p.name, c)
    lines = text.splitlines()
    images = [k for k, line in enumerate(lines) if line.startswith("![")]
    assert images
    for k in images:
        cap = lines[k + 2]
        assert cap.startswith("**Figure "), lines[k]
        assert "n = " in cap and ".pdf" in cap


def test_caption_verdicts_follow_the_target_table(config_results):
    """The caption's word for each target is the table's verdict, never a typed one."""
    root, _, text = config_results
    from mgnet.analysis.report import FIGURE_TARGETS
    table = {line.split("|")[1].strip(): line for line in text.splitlines()
             if re.match(r"\| T\d \|", line)}
    verdicts = json.loads((root / "figures" / "verdicts.json").read_text())
    for name, targets in FIGURE_TARGETS.items():
        for tid, checks, *_ in targets:
            if checks is not None:
                continue
            word = ("not reproduced" if "| **no** |" in table[tid] else
                    "reproduced" if "| yes |" in table[tid] else "not judged")
            assert f"{tid}: {word}" in verdicts[name]["label"], (name, tid)
            if "#" not in name and (root / "figures" / name).exists():
                cap = next(line for line in text.splitlines() if f"(`{name}`" in line)
                assert f"{tid}: {word}" in cap


def test_docs_copies_tall_and_labelled_from_the_verdicts(config_results, tmp_path):
    from PIL import Image

    from mgnet.analysis.report import export_docs_figures
    root, written, _ = config_results
    readme = tmp_path / "README.md"
    readme.write_text("# x\n\n<!-- docs-figures:begin -->\nold\n<!-- docs-figures:end -->\n"
                      "tail\n")
    dest = tmp_path / "docs" / "figures"
    docs = export_docs_figures(root, dest=dest, readme=readme)
    assert docs
    for p in docs:
        with Image.open(p) as im:
            assert im.height >= 400, (p.name, im.size)
    manifest = json.loads((dest / "manifest.json").read_text())
    verdicts = json.loads((root / "figures" / "verdicts.json").read_text())
    text = readme.read_text()
    assert "old" not in text and text.endswith("tail\n")
    for name, entry in manifest.items():
        for f in entry["files"]:
            key = f"{name}#{f['panel']}" if f"{name}#{f['panel']}" in verdicts else name
            assert f["label"] == verdicts[key]["label"]
            assert f"](docs/figures/{f['file']})" in text
    # the split Fig 1e-f: panel a shows T2's ΣPr checks, panel b T5
    files = {f["panel"]: f for f in manifest["fig1ef_sum_pr.png"]["files"]}
    assert files["a"]["label"].startswith("T2") and files["b"]["label"].startswith("T5")
    # re-exporting gives identical bytes (no timestamps)
    before = {p.name: p.read_bytes() for p in docs}
    export_docs_figures(root, dest=dest, readme=readme)
    assert {p.name: p.read_bytes() for p in dest.glob("*.png")} == before
