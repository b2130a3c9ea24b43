"""The errors of the experiments layer that end a command with exit status 2.

Standard library only, and imported by nothing heavy, so that the command line
(:mod:`mgnet.experiments.cli`), the registry and the config loader all name the same
classes without importing one another (the import graph stays one-way, issue 16;
``tests/test_import_graph.py``).  :mod:`mgnet.experiments.config` re-exports
:class:`ConfigError`, its historical home.
"""
from __future__ import annotations

__all__ = ["ConfigError", "UsageError", "OutputPathError"]


class ConfigError(ValueError):
    """A bad configuration value; the message is one line naming key and allowed range."""


class UsageError(Exception):
    """Bad command-line input (exit status 2)."""


class OutputPathError(UsageError):
    """The place an output should go cannot be written (exit status 2)."""
