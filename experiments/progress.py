"""The one progress mechanism of the command line: a tqdm bar on stderr.

``mgnet run`` (the stages an experiment reports, as a percentage) and ``mgnet sweep``
/ ``mgnet reproduce`` (finished runs) both draw it through :func:`progress_bar`.  It is
shown only on a terminal: with ``--quiet``, or when stderr (the stream the bar is drawn
on) is redirected to a file or a pipe, nothing is drawn, so logs and the captured
output of sweep tasks stay clean.  stdout keeps the lines that say where the output
went.
"""
from __future__ import annotations

import sys

__all__ = ["progress_enabled", "progress_bar", "StageProgress"]


def progress_enabled(quiet: bool = False, stream=None) -> bool:
    """True if a bar should be drawn: not ``quiet`` and ``stream`` (default stderr) is a
    terminal."""
    if quiet:
        return False
    stream = sys.stderr if stream is None else stream
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):  # no isatty, or a closed stream
        return False


def progress_bar(*, total, desc: str, unit: str, quiet: bool = False, **kwargs):
    """A tqdm bar on stderr, disabled unless :func:`progress_enabled`.

    ``bar.write(...)`` still prints (above the bar, or plainly when it is disabled).
    """
    from tqdm import tqdm
    return tqdm(total=total, desc=desc, unit=unit, file=sys.stderr,
                disable=not progress_enabled(quiet), dynamic_ncols=True, **kwargs)


class StageProgress:
    """The ``progress(stage, fraction)`` callback experiments report to, drawn as one
    bar in percent with the current stage beside it.

    ``part(k, n)`` gives the callback for the ``k``-th of ``n`` runs done one after
    the other (its 0..1 maps to ``k/n .. (k+1)/n``); ``part()`` is the whole command,
    e.g. for a ``run_group`` that reports over all its conditions.  The bar never moves
    backwards.  Use as a context manager (closes the bar).
    """

    def __init__(self, label: str, *, quiet: bool = False):
        self.bar = progress_bar(total=100.0, desc=label, unit="%", quiet=quiet,
                                bar_format="{desc}: {percentage:3.0f}%|{bar}| "
                                           "[{elapsed}<{remaining}] {postfix}")
        self.enabled = not self.bar.disable

    def part(self, k: int = 0, n: int = 1):
        """The callback for part ``k`` of ``n``, or None if nothing is drawn (so that
        experiments can skip the work of reporting)."""
        if not self.enabled:
            return None

        def progress(stage: str, fraction: float):
            value = 100.0 * (k + min(max(float(fraction), 0.0), 1.0)) / n
            if value > self.bar.n:
                self.bar.update(value - self.bar.n)
            self.bar.set_postfix_str(str(stage), refresh=True)
        return progress

    def close(self) -> None:
        if self.enabled and self.bar.n < 100.0:
            self.bar.update(100.0 - self.bar.n)
        self.bar.close()

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is not None:
            self.bar.close()       # leave the bar where it failed
        else:
            self.close()
        return False
