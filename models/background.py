"""Poisson background drive: one Poisson count per population and time step.

Every neuron of a group receives independent Poisson events at the same rate
``rate(t)`` (science.md §4 item 7: spontaneous activity from noise and minis; the
culture's rate is ``bg_rate * max(0, 1 + x(t))`` with one shared modulation x), each
event adding ``weight`` (per neuron) to ``target``.  The direct way draws
``poisson(rate*dt)`` for every neuron and step (what :class:`brian2.PoissonInput` and a
``run_regularly`` do): a uniform draw and an ``exp`` per neuron and step, although only
``N*rate*dt`` events (0.015 per neuron and step in the culture) happen.

:class:`PooledPoissonInput` draws instead, once per step, the group's total count
K ~ Poisson(N * rate * dt) and assigns each of the K events to a uniformly random
neuron.  This is the same process, not an approximation: the per-neuron counts of K
uniformly scattered events are multinomial(K; 1/N, ..., 1/N), and a multinomial with a
Poisson(N lambda) total has independent Poisson(lambda) components (Poisson splitting).
Conditioned on the shared rate (the modulation x), neurons and steps are independent,
exactly as before; the per-neuron ``weight`` applies to each of a neuron's events.  Only
the random stream differs.  Requirement: the rate is the same for every neuron of the
group (shared variables, constants, or a variable linked to one neuron of another
group); it is evaluated once per step, at neuron 0.

The runner uses the templates ``pooled_poisson`` (cpp_standalone, Cython and numpy,
``models/templates/``), selected by :func:`mgnet.models.backend.code_object_class`.
:func:`poisson_drive` adds either form, per :data:`mgnet.models.backend.OPTIMISATIONS`
``["pooled_background"]`` (the benchmarks' ablation switches it off).
"""
from __future__ import annotations

from brian2 import CodeRunner
from brian2.utils.stringtools import get_identifiers

from .backend import OPTIMISATIONS, code_object_class

__all__ = ["PooledPoissonInput", "poisson_drive", "per_neuron_code"]


def per_neuron_code(target: str, weight: str, rate: str) -> str:
    """The direct form: one Poisson draw per neuron and step (``run_regularly`` code)."""
    return f"{target} += {weight}*poisson(({rate})*dt)"


def _check_uniform_rate(group, rate: str) -> None:
    """The rate must not depend on the neuron: only shared or linked variables."""
    for name in get_identifiers(rate):
        var = group.variables.get(name)
        if var is None or getattr(var, "scalar", True) or not hasattr(var, "size"):
            continue                    # constants, functions, shared variables
        if group.variables.indices[name] == "_idx":
            raise ValueError(f"PooledPoissonInput: the rate '{rate}' reads the per-neuron "
                             f"variable '{name}' of '{group.name}'; the rate must be the "
                             f"same for every neuron (shared or linked variables only)")


class PooledPoissonInput(CodeRunner):
    """``target += weight`` for each of Poisson(N*rate*dt) events per step, each on a
    uniformly random neuron of ``group`` (see the module docstring).

    Parameters
    ----------
    group : NeuronGroup
        Target group (N neurons).
    target : str
        Variable that every event increments.
    weight : str
        Increment per event: an expression of the group's variables (may be per neuron).
    rate : str
        Event rate per neuron (an expression with units of Hz), the same for every neuron.
    when, order, name
        Scheduling and name, as for :meth:`brian2.Group.run_regularly`.
    """

    def __init__(self, group, target: str, weight: str, rate: str, *,
                 when: str = "synapses", order: int = 0, name: str | None = None):
        _check_uniform_rate(group, rate)
        code = {"count": f"_count = poisson(N*({rate})*dt)",
                "pick": "_u = rand()",
                "event": f"{target} += {weight}"}
        CodeRunner.__init__(self, group, "pooled_poisson", code=code,
                            clock=group.clock,
                            when=when, order=order,
                            name=name or f"{group.name}_pooled_poisson*",
                            codeobj_class=code_object_class())


def poisson_drive(group, target: str, weight: str, rate: str, *, when: str = "synapses",
                  order: int = 0, name: str | None = None, pooled: bool | None = None):
    """Add Poisson background events to ``group`` (contained in it, so a Network that
    holds the group runs them).

    ``pooled`` (default :data:`mgnet.models.backend.OPTIMISATIONS` ``["pooled_background"]``):
    :class:`PooledPoissonInput`, else the direct per-neuron draw
    (:func:`per_neuron_code` in a ``run_regularly``).  Both are the same process.
    Returns the code runner.
    """
    pooled = OPTIMISATIONS["pooled_background"] if pooled is None else bool(pooled)
    if not pooled:
        return group.run_regularly(per_neuron_code(target, weight, rate), when=when,
                                   order=order, name=name)
    runner = PooledPoissonInput(group, target, weight, rate, when=when, order=order,
                                name=name)
    group.contained_objects.append(runner)
    return runner
