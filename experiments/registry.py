"""The experiments that ``mgnet run`` knows, discovered from the package (issue 16).

The one list of experiments is the :mod:`mgnet.experiments` package itself: a module is
an experiment when it declares a module-level ``EXPERIMENT = Experiment(name=..., ...)``
(:class:`mgnet.experiments.experiment.Experiment`).  Adding one is adding its module (and
its tests); no shared list is edited (README.md, "Adding an experiment").

Discovery reads the package's sources without importing them (a regular expression finds
the declaring modules, :mod:`ast` the declared name: a string literal or a module-level
string constant such as ``NAME``), so ``mgnet run X`` imports only the module of ``X``.
An experiment module is imported on first use, and its ``EXPERIMENT`` must then carry the
name its source declared.  Standard library only; the registry imports no experiment
module by statement (``importlib``, at call time), so the import graph stays one-way.
"""
from __future__ import annotations

import ast
import functools
import importlib
import re
from pathlib import Path

from .errors import ConfigError
from .experiment import Experiment

__all__ = ["names", "get", "experiments", "module_of", "scan"]

_DECLARES = re.compile(r"^EXPERIMENT\s*(?::[^=]*)?=\s*Experiment\(", re.M)


def _declared_name(path: Path) -> str | None:
    """The ``name`` an ``EXPERIMENT = Experiment(name=...)`` of ``path`` declares."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    constants, call = {}, None
    for node in tree.body:
        target, value = None, None
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target, value = node.targets[0], node.value
        elif isinstance(node, ast.AnnAssign):
            target, value = node.target, node.value
        if not isinstance(target, ast.Name) or value is None:
            continue
        if isinstance(value, ast.Constant) and isinstance(value.value, str):
            constants[target.id] = value.value
        if target.id == "EXPERIMENT" and isinstance(value, ast.Call):
            call = value
    if call is None:
        return None
    for kw in call.keywords:
        if kw.arg == "name":
            if isinstance(kw.value, ast.Constant) and isinstance(kw.value.value, str):
                return kw.value.value
            if isinstance(kw.value, ast.Name) and kw.value.id in constants:
                return constants[kw.value.id]
    raise TypeError(f"{path}: EXPERIMENT = Experiment(name=...) needs a string literal or "
                    "a module-level string constant as its name")


def scan(directory: Path, package: str) -> dict[str, str]:
    """Experiment name -> module name of the modules in ``directory`` (the package
    ``package``) that declare an ``EXPERIMENT``, found without importing them.

    Raises
    ------
    TypeError
        Two modules declare one name, or a declaration's name is not a string constant.
    """
    found: dict[str, str] = {}
    for path in sorted(Path(directory).glob("*.py")):
        if not _DECLARES.search(path.read_text(encoding="utf-8")):
            continue
        name = _declared_name(path)
        if name is None:
            continue
        module = f"{package}.{path.stem}" if package else path.stem
        if name in found:
            raise TypeError(f"experiment '{name}' is declared twice: {found[name]} and "
                            f"{module}")
        found[name] = module
    return found


@functools.cache
def _modules() -> dict[str, str]:
    """Experiment name -> module name, for :mod:`mgnet.experiments`."""
    return scan(Path(__file__).resolve().parent, __package__)


@functools.cache
def names() -> list[str]:
    """Registered experiment names, in their declared ``order`` (equal ones by name)."""
    return sorted(_modules(), key=lambda name: (get(name).order, name))


def module_of(name: str) -> str:
    """The module that declares experiment ``name`` (see :func:`get` for errors)."""
    modules = _modules()
    if name not in modules:
        raise ConfigError(f"unknown experiment '{name}'; allowed: {', '.join(names())}")
    return modules[name]


def get(name: str) -> Experiment:
    """The experiment registered as ``name``.

    Raises
    ------
    ConfigError
        If the name is unknown (the message lists the known ones).
    TypeError
        If its module's ``EXPERIMENT`` is not an :class:`Experiment` of that name.
    """
    module = importlib.import_module(module_of(name))
    exp = getattr(module, "EXPERIMENT", None)
    if not isinstance(exp, Experiment) or exp.name != name:
        raise TypeError(f"{module.__name__}.EXPERIMENT must be Experiment(name='{name}', "
                        f"...), got {exp!r:.80}")
    return exp


def experiments() -> list[Experiment]:
    """Every registered experiment (each module imported), in :func:`names` order."""
    return [get(name) for name in names()]
