"""The experiments side of :mod:`mgnet.analysis.interop`: ``mgnet export-nwb`` and the defaults.

- ``mgnet export-nwb RUN.h5 [--out F.nwb]`` converts a run file to an NWB file with
  :func:`mgnet.analysis.interop.export_nwb` (spikes as units, protocol phases as epochs, recall
  cues and network bursts as time intervals, assembly membership, metrics, provenance).
- :func:`default_config_toml` gives the default resolved configuration of an experiment,
  condition and scale, which :func:`mgnet.analysis.interop.load_metrics` compares a run's
  ``config_toml`` with (``defaults=default_config_toml``); it needs brian2 (the config
  parser does), which is why it lives here and not in ``analysis/``.

Issue 17 ("results the field's tools can read").  Usage::

    mgnet export-nwb results/runs/culture-activity/baseline_seed0_quick.h5
    mgnet export-nwb RUN.h5 --out /tmp/run.nwb
"""
from __future__ import annotations

import argparse
import functools
import os
import time
from pathlib import Path

__all__ = ["add_parser", "run_cli", "default_config_toml"]


@functools.cache
def default_config_toml(experiment: str, condition: str, scale: str) -> str:
    """The default resolved configuration of a run, as ``config_toml`` holds it.

    Parameters
    ----------
    experiment : str
        A registered experiment (``mgnet list``).
    condition : str
        A condition preset.
    scale : str
        ``quick``, ``default`` or ``paper``.

    Returns
    -------
    str
        ``make_config(experiment, condition=condition, scale=scale).to_toml()``: every
        parameter and option as the current code's defaults give them.

    Raises
    ------
    mgnet.experiments.config.ConfigError
        Unknown experiment, condition or scale.
    """
    from .config import make_config
    return make_config(experiment, condition=condition, scale=scale).to_toml()


def add_parser(subparsers, parents=None):
    """Register ``mgnet export-nwb`` on an argparse ``subparsers`` object.

    Parameters
    ----------
    subparsers : argparse._SubParsersAction
        The ``mgnet`` command's subparsers.
    parents : list of argparse.ArgumentParser, optional
        Shared options (the CLI's ``--debug``).

    Returns
    -------
    argparse.ArgumentParser
        The subcommand's parser (``func=run_cli``).
    """
    p = subparsers.add_parser(
        "export-nwb", parents=list(parents or ()),
        help="convert a run file to NWB (spikes as units, phases, cues and bursts as "
             "intervals, assemblies, metrics, provenance)")
    p.add_argument("run_file", metavar="RUN.h5", help="a complete run file")
    p.add_argument("--out", metavar="F.nwb",
                   help="NWB file to write (default: RUN.nwb beside the run file); never "
                        "overwritten")
    p.set_defaults(func=run_cli)
    return p


def run_cli(args: argparse.Namespace) -> int:
    """Run ``mgnet export-nwb``; returns the exit status.

    The output location is checked before the run file is read; a missing optional
    package, a file that is not a run file and an existing or unwritable output are
    one-line errors with exit status 2 (raised as the CLI's usage errors).
    """
    from mgnet.analysis.interop import MissingDependencyError, default_nwb_path, export_nwb

    from .errors import UsageError

    src = Path(args.run_file)
    if not src.is_file():
        raise FileNotFoundError(f"{src} does not exist (expected a run file .h5)")
    out = Path(args.out) if args.out else default_nwb_path(src)
    if out.suffix != ".nwb":
        raise UsageError(f"--out must end in .nwb, got '{out}'")
    if out.exists():
        raise FileExistsError(f"{out} already exists; NWB exports are never overwritten "
                              f"(choose --out)")
    if not out.parent.is_dir():
        raise UsageError(f"output directory '{out.parent}' does not exist")
    if not os.access(out.parent, os.W_OK):
        raise UsageError(f"output directory '{out.parent}' is not writable")
    t0 = time.time()
    try:
        path = export_nwb(src, out)
    except MissingDependencyError as exc:
        raise UsageError(str(exc)) from None
    print(f"wrote {path} ({time.time() - t0:.1f} s)")
    return 0
