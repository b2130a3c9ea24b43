"""The same scheme in numpy: the Brian2 code strings of the rule evaluated statement by
statement (:func:`_exec`; one formula), to advance ρ outside a simulation
(:func:`advance_rho`, :func:`cubic_relax`) and to read out the contacts' ρ at any time
(:func:`current_rho`)."""
from __future__ import annotations

import math
import re

import numpy as np
from brian2 import Quantity

from ..parameters import PlasticityParams
from .closed_form import _seconds
from .rule import _advance_code, plasticity_namespace

__all__ = ["cubic_relax", "advance_rho", "current_rho"]


_STATEMENT = re.compile(r"^\s*([A-Za-z_]\w*)\s*(\+?=)\s*(.+?)\s*$")


def _statements(code: str):
    """(target, op, expression) of each statement of a Brian2 code block."""
    for line in code.splitlines():
        line = line.split("#", 1)[0]
        if not line.strip():
            continue
        m = _STATEMENT.match(line)
        if not m:
            raise ValueError(f"cannot parse statement {line!r}")
        yield m.groups()


_COMPILED: dict = {}


def _compiled(code: str):
    """(target, op, code object) of each statement, compiled once."""
    if code not in _COMPILED:
        _COMPILED[code] = [(t, op, compile(e, "<brian2 statement>", "eval"))
                           for t, op, e in _statements(code)]
    return _COMPILED[code]


def _exec(code: str, ns: dict) -> dict:
    """Execute a Brian2 code block with numpy (internal code strings only, never input)."""
    for target, op, expr in _compiled(code):
        value = eval(expr, {"__builtins__": {}}, ns)  # noqa: S307
        ns[target] = ns[target] + value if op == "+=" else value
    return ns


def _si_namespace(ns: dict) -> dict:
    """The namespace in plain SI floats (units are consistent, so the code's arithmetic is
    unchanged) with TimedArrays as numpy lookups of the same (floor) index rule."""
    from brian2 import TimedArray
    out = {}
    for k, v in ns.items():
        if isinstance(v, TimedArray):
            vals, dt = np.asarray(v.values, dtype=float).tolist(), float(v.dt)
            # defaults bind this table's values (not the loop's last ones)
            out[k] = (lambda x, vals=vals, dt=dt, n=len(vals):  # noqa: B008
                      vals[min(max(int(math.floor(x / dt + 1e-9)), 0), n - 1)])
        elif isinstance(v, Quantity):
            out[k] = float(v) if np.ndim(v) == 0 else np.asarray(v, dtype=float)
        else:
            out[k] = v
    return out


def cubic_relax(rho0, t, tau):
    """Exact solution of τ dρ/dt = −ρ(1−ρ)(½−ρ) from ρ0 after time t (seconds).

    ρ(t) = ½ + ½ x0/√(x0² + (¼ − x0²) e^{−t/(2τ)}), x0 = ρ0 − ½; equivalently
    ½ − sign(½−ρ0)·½/√(1 + y0 e^{−t/(2τ)}), y0 = ρ0(1−ρ0)/(½−ρ0)².
    """
    x0 = np.asarray(rho0, dtype=float) - 0.5
    e = np.exp(-np.asarray(t, dtype=float) / (2 * float(tau)))
    return 0.5 + 0.5 * x0 / np.sqrt(x0 ** 2 + (0.25 - x0 ** 2) * e + 1e-300)


def _numpy_ns(params: PlasticityParams, rng, shape) -> dict:
    ns = {k: float(v) for k, v in plasticity_namespace(params).items()}
    if rng is None:
        rng = np.random.default_rng()
    ns.update(clip=np.clip, log=np.log, exp=np.exp, sqrt=np.sqrt, second=1.0,
              int=lambda x: np.asarray(x, dtype=float),
              randn=lambda: rng.standard_normal(shape))
    return ns


def advance_rho(rho, c, elapsed, params: PlasticityParams | None = None, rng=None):
    """Advance ρ over ``elapsed`` seconds after a Ca2+ event that left Ca2+ at ``c``.

    Runs the very code of the Brian2 pathways with numpy (noise drawn from ``rng``, a
    ``numpy.random.Generator``, if ``params.noise``).

    Returns
    -------
    rho, c : numpy.ndarray
        Efficacy and Ca2+ at the end of the interval (before any new jump).
    """
    params = params or PlasticityParams()
    rho, c, elapsed = np.broadcast_arrays(np.asarray(rho, float), np.asarray(c, float),
                                          np.asarray(elapsed, float))
    ns = _numpy_ns(params, rng, rho.shape)
    ns.update(rho=rho.copy(), c_pl=c.copy(), t_pl=np.zeros(rho.shape), t=elapsed,
              q_down=np.zeros(rho.shape), q=np.zeros(rho.shape), plasticity_on=1.0)
    _exec(_advance_code(params), ns)
    return np.asarray(ns["rho"]), np.asarray(ns["c_pl"])


def current_rho(syn, params: PlasticityParams | None = None, t=None, noise: bool = False,
                rng=None):
    """Efficacy of every contact projected from its last event to time ``t``.

    The Brian2 state ``rho`` is as of each contact's last Ca2+ event (``t_pl``); this
    advances it to ``t`` (default: the synapses' current time) without touching the
    simulation.  By default without noise (the deterministic part of the rule).
    """
    params = params or PlasticityParams()
    if not noise:
        import dataclasses
        params = dataclasses.replace(params, noise=False)
    t = float(np.asarray(syn.clock.t_)) if t is None else float(_seconds(t))
    on = float(np.asarray(syn.plasticity_on[:]).ravel()[0]) if len(syn) else 1.0
    rho0 = np.asarray(syn.rho[:], dtype=float)
    if on == 0:
        return rho0
    rho, _ = advance_rho(rho0, np.asarray(syn.c_pl[:], float),
                         t - np.asarray(syn.t_pl[:], float), params, rng)
    return rho
