"""The write switch shared by the calibrate commands (issue 16).

``mgnet calibrate t6``, ``calibrate-culture``, ``calibrate-glun2b`` and ``calibrate-memory``
compute and print; they write their calibration file (``models/calibration.toml``,
``models/culture_calibration.toml``, ``models/glun2b_chronic.toml``, the memory protocol
file) only when asked with ``--write``.  ``--dry-run`` (the old way to not write) is still
accepted and is now the default; the two exclude each other.
"""
from __future__ import annotations

import argparse

__all__ = ["add_write_flags", "write_requested", "NOT_WRITTEN"]

#: What a command prints when it computed without writing.
NOT_WRITTEN = "dry run: nothing written (pass --write to store the result)"


def add_write_flags(parser: argparse.ArgumentParser, target: str) -> None:
    """Add ``--write`` (store the result in ``target``) and ``--dry-run``."""
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--write", action="store_true",
                       help=f"write the result to {target} (without --write the command "
                            "computes and prints only)")
    group.add_argument("--dry-run", action="store_true",
                       help="compute and print, do not write (the default)")


def write_requested(args: argparse.Namespace) -> bool:
    """True if the command line asked to write (``--write`` and not ``--dry-run``)."""
    return bool(getattr(args, "write", False)) and not getattr(args, "dry_run", False)
