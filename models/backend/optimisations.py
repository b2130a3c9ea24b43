"""Code generation that makes the models cheaper without changing them: the switches
:data:`OPTIMISATIONS` (all on; the benchmarks' ablation turns them off one at a time with
:func:`optimisations`).  What each switch does is described in :mod:`mgnet.models.backend`;
the switches enter a standalone project's cache key (:func:`.flags.build_flags`)."""
from __future__ import annotations

from contextlib import contextmanager

__all__ = ["OPTIMISATIONS", "optimisations"]

#: Switches of the optimisations (all on; the benchmarks' ablation turns them off).
OPTIMISATIONS = {"vectorised_neurons": True, "pooled_background": True,
                 "skip_dead_work": True, "prefetch_post": True,
                 "lean_network_loop": True, "shared_exp": True}


@contextmanager
def optimisations(**switches):
    """Set :data:`OPTIMISATIONS` for the objects built inside the block (ablations)."""
    unknown = set(switches) - set(OPTIMISATIONS)
    if unknown:
        raise ValueError(f"unknown optimisation(s) {sorted(unknown)}; allowed: "
                         f"{', '.join(OPTIMISATIONS)}")
    saved = dict(OPTIMISATIONS)
    OPTIMISATIONS.update({k: bool(v) for k, v in switches.items()})
    try:
        yield dict(OPTIMISATIONS)
    finally:
        OPTIMISATIONS.clear()
        OPTIMISATIONS.update(saved)
