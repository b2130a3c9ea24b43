"""The manifest of a sweep, ``results/sweeps/<name>.json``: every task with its status,
run-file path, wall time and error, and the sweep's provenance; written atomically and
rewritten after every finished task (:mod:`mgnet.experiments.sweep`)."""
from __future__ import annotations

import datetime as _dt
import json
import os
import socket
import sys
from dataclasses import dataclass, field
from pathlib import Path

from .provenance import git_state, package_version
from .sweep_task import _TMP_MARKER

MANIFEST_VERSION = 1


def manifest_path(results_dir, name: str) -> Path:
    """``<results>/sweeps/<name>.json``."""
    return Path(results_dir) / "sweeps" / f"{name}.json"


def _now() -> str:
    return _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds")


def _write_json_atomic(path: Path, data: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}{_TMP_MARKER}{os.getpid()}")
    try:
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(data, f, indent=1)
            f.write("\n")
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _read_manifest(path: Path) -> dict | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


@dataclass
class SweepResult:
    """What :func:`sweep` did: the manifest (as written) and where it is."""
    manifest_path: Path
    manifest: dict = field(repr=False)

    @property
    def counts(self) -> dict:
        return dict(self.manifest["summary"])

    @property
    def failed(self) -> list[dict]:
        return [t for t in self.manifest["tasks"] if t["status"] == "failed"]


def previous_state(mpath: Path) -> tuple[dict, list[dict]]:
    """What an earlier manifest at ``mpath`` recorded: its tasks by (experiment,
    condition, seed) and the provenance of the invocations so far (its own included)."""
    previous = _read_manifest(mpath)
    prev_tasks, history = {}, []
    if previous:
        prev_tasks = {(t.get("experiment", previous.get("experiment")), t.get("condition"),
                       t.get("seed")): t
                      for t in previous.get("tasks", []) if isinstance(t, dict)}
        history = [h for h in previous.get("previous_invocations", []) if isinstance(h, dict)]
        if isinstance(previous.get("provenance"), dict):
            history.append(previous["provenance"])
    return prev_tasks, history


def new_manifest(name: str, header: dict | None, results: Path, command: str,
                 scheduler: str | None, history: list[dict]) -> dict:
    """The manifest of this invocation before any task is planned."""
    commit, dirty = git_state()
    return {
        "manifest_version": MANIFEST_VERSION,
        "name": name,
        **(header or {}),
        "results_dir": str(results),
        "provenance": {
            "command": command,
            "git_commit": commit,
            "git_dirty": dirty,
            "mgnet_version": package_version("mgnet"),
            "dask_version": package_version("dask"),
            "python": sys.executable,
            "host": socket.gethostname(),
            "created_utc": _now(),
            "scheduler": scheduler or "LocalCluster",
        },
        # Earlier invocations of the same sweep (e.g. the one that was killed).
        "previous_invocations": history,
        "updated_utc": None,
        "complete": False,
        "summary": {},
        "tasks": [],
    }


def save_manifest(mpath: Path, manifest: dict) -> None:
    """Count the statuses of ``manifest["tasks"]`` into its summary and write it."""
    tasks = manifest["tasks"]
    counts = {s: sum(t["status"] == s for t in tasks)
              for s in ("done", "skipped", "failed", "pending")}
    manifest["summary"] = dict(total=len(tasks), **counts)
    manifest["complete"] = counts["done"] + counts["skipped"] == len(tasks)
    manifest["updated_utc"] = _now()
    _write_json_atomic(mpath, manifest)
