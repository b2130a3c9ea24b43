"""Provenance recorded in every run file (design.md §4)."""
from __future__ import annotations

import datetime as _dt
import platform
import subprocess
from importlib import metadata
from pathlib import Path

import numpy as np

from mgnet.analysis.run_file import SCHEMA_VERSION

__all__ = ["git_state", "provenance_attrs", "package_version"]

_REPO = Path(__file__).resolve().parent.parent


def package_version(name: str) -> str:
    """Installed version of a distribution, or 'unknown'."""
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "unknown"


def git_state(repo: Path = _REPO) -> tuple[str, bool]:
    """(commit hash, dirty flag) of the source tree; ('unknown', True) outside git."""
    try:
        commit = subprocess.run(["git", "-C", str(repo), "rev-parse", "HEAD"],
                                capture_output=True, text=True, timeout=10, check=True
                                ).stdout.strip()
        status = subprocess.run(["git", "-C", str(repo), "status", "--porcelain",
                                 "--untracked-files=no"], capture_output=True, text=True,
                                timeout=10, check=True).stdout.strip()
        return commit, bool(status)
    except (OSError, subprocess.SubprocessError):
        return "unknown", True


def provenance_attrs(cfg, backend: dict, run_id: str) -> dict:
    """Root attributes of a run file for a resolved config and backend description."""
    commit, dirty = git_state()
    return {
        "schema_version": SCHEMA_VERSION,
        "experiment": cfg.experiment,
        "condition": cfg.condition,
        "seed": int(cfg.seed),
        "scale": cfg.scale,
        "run_id": run_id,
        "created_utc": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
        "mgnet_version": package_version("mgnet"),
        "git_commit": commit,
        "git_dirty": bool(dirty),
        "brian2_version": package_version("brian2"),
        "numpy_version": np.__version__,
        "python_version": platform.python_version(),
        "device": backend["device"],
        "codegen_target": backend["codegen_target"],
        "threads": int(backend["threads"]),
        "config_toml": cfg.to_toml(),
        "status": "running",
    }
