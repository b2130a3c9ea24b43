"""The run scales of design.md §3, in a module that imports nothing heavy.

``quick`` is for tests and CI (seconds per experiment), ``default`` is what
``mgnet reproduce`` runs on a laptop, ``paper`` meets the paper's sample sizes and is
meant for sweeps on a cluster.  Kept apart from :mod:`mgnet.experiments.config` (which
imports brian2) so that the command-line parser, and with it ``mgnet info``, works on
a machine without brian2.
"""
from __future__ import annotations

__all__ = ["SCALES"]

SCALES = ("quick", "default", "paper")
