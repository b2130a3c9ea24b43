"""One import package, ``mgnet`` (issue 16, "One house").

The folders ``models/``, ``experiments/`` and ``analysis/`` are installed as
``mgnet.models``, ``mgnet.experiments`` and ``mgnet.analysis`` (package-dir mapping in
``pyproject.toml``; ``src/mgnet/`` holds the package's ``__init__``): nothing generic at
the top of site-packages, so a user's own ``analysis/`` folder neither hides nor is hidden
by the project's.  The fast tests use the installed package (``make install``: editable);
the slow one builds the wheel and runs it from a folder with its own ``analysis/`` and
``models/``.
"""
from __future__ import annotations

import importlib
import importlib.util
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
OLD_NAMES = ("models", "experiments", "analysis")


def _clean_env(**extra) -> dict:
    """The environment without PYTHONPATH (the installed layout only)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env.update(extra)
    return env


def _user_folder(tmp_path: Path) -> Path:
    """A working folder with a user's own ``analysis/`` and ``models/`` packages."""
    work = tmp_path / "user"
    for name in ("analysis", "models"):
        (work / name).mkdir(parents=True)
        (work / name / "__init__.py").write_text(f"USER = {name!r}\n")
    return work


# The check run in the user's folder: the project's subpackages come from the package, the
# user's folders keep their names, and no old top-level name is installed.
_PROBE = """
import importlib.util, sys
from pathlib import Path
import mgnet, mgnet.analysis, mgnet.models, mgnet.experiments
# the user's own packages (importlib: this line is not a project import)
analysis, models = (importlib.import_module(n) for n in ("analysis", "models"))
here = Path.cwd().resolve()
for sub in (mgnet.analysis, mgnet.models, mgnet.experiments):
    assert here not in Path(sub.__file__).resolve().parents, sub.__file__
assert analysis.USER == "analysis" and models.USER == "models"
assert importlib.util.find_spec("experiments") is None, "top-level experiments installed"
assert callable(mgnet.load_metrics) and callable(mgnet.analysis.to_neo)
print(mgnet.__file__)
"""


def test_subpackages_are_the_design_folders():
    import mgnet
    import mgnet.analysis
    import mgnet.experiments
    import mgnet.models
    for name in OLD_NAMES:
        sub = getattr(mgnet, name)
        assert sub.__name__ == f"mgnet.{name}"
        assert Path(sub.__file__).parent.name == name      # the folder of the design card
    for sub in ("mgnet.experiments.configs", "mgnet.analysis.figures"):
        assert importlib.import_module(sub).__name__ == sub


def test_public_names_of_issue_17():
    """``mgnet.load_metrics(results_dir)`` and ``mgnet.analysis.to_neo(run_file)`` (and the
    other interop functions) are the functions of mgnet.analysis.interop."""
    import mgnet
    import mgnet.analysis
    from mgnet.analysis import interop
    assert mgnet.load_metrics is interop.load_metrics
    for name in ("load_metrics", "spikes_frame", "to_neo", "export_nwb"):
        assert getattr(mgnet.analysis, name) is getattr(interop, name)
    assert {"load_metrics", "analysis"} <= set(dir(mgnet))
    with pytest.raises(AttributeError):
        _ = mgnet.no_such_name
    with pytest.raises(AttributeError):
        _ = mgnet.analysis.no_such_name
    assert isinstance(mgnet.__version__, str) and mgnet.__version__


def test_import_mgnet_is_light():
    """``import mgnet`` needs the standard library only; ``mgnet.analysis`` never brian2."""
    code = ("import sys, mgnet; heavy = {'numpy', 'h5py', 'brian2'} & set(sys.modules); "
            "assert not heavy, heavy; import mgnet.analysis.interop; "
            "assert 'brian2' not in sys.modules")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                       cwd=REPO, env=_clean_env())
    assert r.returncode == 0, r.stderr


def test_no_generic_top_level_package(tmp_path):
    """From a folder with its own ``analysis/`` and ``models/``: ``import mgnet,
    mgnet.analysis`` gets the project's, the user's stay the user's, no top-level
    ``experiments``; ``python -m mgnet --help`` runs (issue 16 acceptance)."""
    work = _user_folder(tmp_path)
    r = subprocess.run([sys.executable, "-c", _PROBE], cwd=work, env=_clean_env(),
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    r = subprocess.run([sys.executable, "-m", "mgnet", "--help"], cwd=work, env=_clean_env(),
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("usage: mgnet")


def test_console_script(tmp_path):
    script = Path(sys.executable).with_name("mgnet")
    if not script.exists():
        pytest.skip("no mgnet console script next to this interpreter")
    r = subprocess.run([str(script), "list"], cwd=_user_folder(tmp_path), env=_clean_env(),
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert "culture-activity" in r.stdout


def test_no_old_import_names_left():
    """tools/mgnet_imports.py --check: no tracked file refers to ``models.*``,
    ``experiments.*`` or ``analysis.*`` by the old top-level names."""
    if shutil.which("git") is None or not (REPO / ".git").exists():
        pytest.skip("not a git checkout")
    r = subprocess.run([sys.executable, str(REPO / "tools" / "mgnet_imports.py"), "--check",
                        "--root", str(REPO)], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr


def test_rewrite_script_is_idempotent():
    sys.path.insert(0, str(REPO / "tools"))
    try:
        mi = importlib.import_module("mgnet_imports")
    finally:
        sys.path.remove(str(REPO / "tools"))
    mods = mi.submodules(REPO)
    # written with {m}/{e}/{a} for the old names, so that this file passes --check itself
    cases = {
        "from {m}.parameters import X": "from mgnet.{m}.parameters import X",
        "from {a} import run_file": "from mgnet.{a} import run_file",
        "    import {m}": "    from mgnet import {m}",
        "import {e}.cli as cli": "import mgnet.{e}.cli as cli",
        'monkeypatch.setattr("{a}.run_file.write_run", f)':
            'monkeypatch.setattr("mgnet.{a}.run_file.write_run", f)',
        "python -m {e}.cli run": "python -m mgnet.{e}.cli run",
        "docs/notebooks/analysis.ipynb and models/calibration.toml":
            "docs/notebooks/analysis.ipynb and models/calibration.toml",
        "the {a}. Then {a}.no_such_module": "the {a}. Then {a}.no_such_module",
    }
    names = dict(m="models", e="experiments", a="analysis")
    cases = {k.format(**names): v.format(**names) for k, v in cases.items()}
    for old, new in cases.items():
        once, warning = mi.rewrite_line(old, mods)
        assert (once, warning) == (new, None), old
        assert mi.rewrite_line(once, mods) == (once, None)
    unsafe = "import {}.backend".format("models")      # binds the old name: by hand
    line, warning = mi.rewrite_line(unsafe, mods)
    assert line == unsafe and warning


@pytest.mark.slow
def test_wheel_has_one_top_level_package(tmp_path):
    """The wheel holds ``mgnet/`` (with the Brian2 templates and TOML data) and its
    dist-info only; installed on its own, it runs from a folder with its own
    ``analysis/`` and ``models/``."""
    wheels = tmp_path / "wheels"
    r = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet",
                        "-w", str(wheels), str(REPO)], capture_output=True, text=True,
                       timeout=900)
    if r.returncode != 0:
        pytest.skip(f"cannot build the wheel here: {r.stderr.strip()[-300:]}")
    (wheel,) = wheels.glob("mgnet-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    tops = {n.split("/")[0] for n in names}
    assert {t for t in tops if not t.endswith(".dist-info")} == {"mgnet"}, tops
    for needed in ("mgnet/__init__.py", "mgnet/__main__.py", "mgnet/models/calibration.toml",
                   "mgnet/experiments/cli.py", "mgnet/analysis/interop/__init__.py",
                   "mgnet/analysis/figures/__init__.py",
                   "mgnet/experiments/configs/culture_plastic_10min.toml"):
        assert needed in names, needed
    assert any(n.startswith("mgnet/models/templates/cpp_standalone/") for n in names)
    target = tmp_path / "site"
    r = subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "--quiet",
                        "--target", str(target), str(wheel)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    work = _user_folder(tmp_path)
    env = _clean_env(PYTHONPATH=str(target))     # first on sys.path: the wheel's mgnet
    r = subprocess.run([sys.executable, "-c", _PROBE], cwd=work, env=env,
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert Path(r.stdout.strip()).resolve().is_relative_to(target.resolve())
    r = subprocess.run([sys.executable, "-m", "mgnet", "params"], cwd=work, env=env,
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr


def test_every_subpackage_is_listed_for_the_wheel():
    """``[tool.setuptools] packages`` names every folder with an ``__init__.py`` under the
    mapped folders: a subpackage missing there is absent from ``pip install .`` (not from
    the editable install the other tests use)."""
    import tomllib
    meta = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]
    listed = set(meta["packages"])
    mapping = meta.get("package-dir", {})
    found = set()
    for pkg, folder in mapping.items():
        root = REPO / folder
        for init in root.rglob("__init__.py"):
            rel = init.parent.relative_to(root)
            if any(p.startswith(".") or p == "__pycache__" for p in rel.parts):
                continue
            found.add(".".join((pkg,) + rel.parts))
    assert found - listed == set(), f"not in [tool.setuptools] packages: {found - listed}"
