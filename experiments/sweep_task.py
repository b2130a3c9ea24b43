"""The task of a sweep (:mod:`mgnet.experiments.sweep`): one runner subprocess.

Standard library only: a Dask worker unpickles :func:`run_task` by reference and imports
this module to run it, and the work itself happens in the subprocess
(``python -m mgnet.experiments.runner``), so the worker never loads Brian2.
"""
from __future__ import annotations

import json
import os
import resource
import socket
import subprocess
import sys
import time
from pathlib import Path

__all__ = ["run_task", "orphan_temp_files"]

_TMP_MARKER = ".tmp-"  # mgnet.analysis.run_file writes ".<name>.tmp-<pid>-<random>"


def orphan_temp_files(out: Path) -> list[Path]:
    """Temporary files of (killed) writes of the run file ``out``."""
    out = Path(out)
    if not out.parent.is_dir():
        return []
    prefix = f".{out.name}{_TMP_MARKER}"
    return sorted(p for p in out.parent.iterdir() if p.name.startswith(prefix))


def _remove_orphans(out: Path) -> int:
    n = 0
    for p in orphan_temp_files(out):
        try:
            p.unlink()
            n += 1
        except FileNotFoundError:
            pass
    return n


def run_task(configs: list[str], outs: list[str]) -> dict:
    """Run the configs given as their resolved TOML texts (one Dask task) in a
    subprocess, ``python -m mgnet.experiments.runner``, writing the run files ``outs``.

    Removes temporary files of an earlier, killed write of ``outs`` first: the task is
    about to produce those files, so they can only be leftovers.  Runs with one OpenMP /
    BLAS thread.  Never raises for a failed run: returns a dict with ``returncode``,
    ``wall_s``, ``cpu_s`` (user + system time of the subprocess and its children, e.g.
    the compiler and the standalone binary: the cost independent of other load on the
    machine), ``error`` (last stderr line), ``host`` and ``temp_removed``.
    """
    outs = [str(o) for o in outs]
    removed = sum(_remove_orphans(Path(o)) for o in outs)
    repo = str(Path(__file__).resolve().parent.parent)
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1",
               MKL_NUM_THREADS="1")
    # The package may be used from a checkout rather than installed.
    env["PYTHONPATH"] = os.pathsep.join(p for p in (repo, env.get("PYTHONPATH")) if p)
    t0 = time.monotonic()
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    proc = subprocess.run([sys.executable, "-m", "mgnet.experiments.runner"],
                          input=json.dumps({"configs": list(configs), "outs": outs}),
                          capture_output=True, text=True, env=env)
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
    err = proc.stderr.strip().splitlines()
    return {"returncode": proc.returncode, "wall_s": round(time.monotonic() - t0, 3),
            "cpu_s": round(cpu, 3),
            "error": (err[-1] if err else f"exit status {proc.returncode}")
            if proc.returncode else None,
            "host": socket.gethostname(), "temp_removed": removed}
