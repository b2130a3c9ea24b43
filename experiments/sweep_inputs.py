"""The inputs of ``mgnet sweep``: seeds, conditions and workers, parsed and checked before
anything is written or started (:mod:`mgnet.experiments.sweep`)."""
from __future__ import annotations

import re

_SEED_MAX = 2 ** 31 - 1
_SEEDS_ALLOWED = ("allowed: N, A-B with 0 <= A <= B, or a comma-separated list of "
                  "these, e.g. 0-9 or 0,2,5")


class SweepError(ValueError):
    """Bad sweep input (seeds, conditions, workers, scheduler, name): exit status 2."""


def parse_seeds(text: str) -> list[int]:
    """Seeds from ``"3"``, ``"0-9"`` (inclusive) or ``"0,2,5"`` (items may be ranges).

    Returns the seeds in the given order without duplicates.

    Raises
    ------
    SweepError
        On an empty item, a non-integer, a negative seed, a seed >= 2^31 or a
        descending range.
    """
    seeds: list[int] = []
    items = str(text).split(",")
    for item in items:
        item = item.strip()
        m = re.fullmatch(r"(\d+)(?:\s*-\s*(\d+))?", item)
        if not m:
            raise SweepError(f"bad --seeds '{text}': '{item}' is not a seed or range; "
                             f"{_SEEDS_ALLOWED}")
        lo = int(m.group(1))
        hi = int(m.group(2)) if m.group(2) is not None else lo
        if hi < lo:
            raise SweepError(f"bad --seeds '{text}': range '{item}' is descending; "
                             f"{_SEEDS_ALLOWED}")
        if hi > _SEED_MAX:
            raise SweepError(f"bad --seeds '{text}': seed {hi} is above 2^31-1; "
                             f"{_SEEDS_ALLOWED}")
        seeds.extend(range(lo, hi + 1))
    return list(dict.fromkeys(seeds))


def format_seeds(seeds) -> str:
    """The shortest ``parse_seeds`` text for a list of seeds (runs become ``A-B``)."""
    parts: list[str] = []
    seeds = list(seeds)
    i = 0
    while i < len(seeds):
        j = i
        while j + 1 < len(seeds) and seeds[j + 1] == seeds[j] + 1:
            j += 1
        parts.append(str(seeds[i]) if j == i else f"{seeds[i]}-{seeds[j]}")
        i = j + 1
    return ",".join(parts)


def parse_conditions(text: str) -> list[str]:
    """Condition names from ``"A,B"`` (order kept, duplicates dropped).

    Names are checked against the presets when the configs are resolved.
    """
    names = [c.strip() for c in str(text).split(",")]
    if not names or any(not c for c in names):
        raise SweepError(f"bad --conditions '{text}': empty condition name; allowed: a "
                         f"comma-separated list of condition presets, e.g. "
                         f"baseline,elevated_mg")
    return list(dict.fromkeys(names))


def _check_workers(workers, scheduler) -> None:
    if workers is not None and scheduler:
        raise SweepError("--workers and --scheduler exclude each other (the scheduler's "
                         "workers run the tasks)")
    if workers is not None and (isinstance(workers, bool) or not isinstance(workers, int)
                                or workers < 1):
        raise SweepError(f"--workers must be an integer >= 1, got '{workers}'")
