"""Magnesium: NMDA-receptor block by [Mg]o (and optionally [Mg]i) and the Pr([Mg]i) law.

The block factor is written once, as the Brian2 expression :data:`BLOCK_EXPR`.
Network equations insert that string; :func:`nmda_block` evaluates the very same
string with numpy, so there is exactly one formula.

Jahr & Stevens (1990) J Neurosci 10:3178, eq. (4) with the fit of their Fig. 7::

    B(V) = 1 / (1 + [Mg]o / 3.57 mM * exp(-0.062 V/mV))

Check values (science.md §4): B(-65 mV, 1 mM) = 0.0597, B(0 mV, 1 mM) = 0.781,
B(-70 mV, 0.8 mM) = 0.055, B(-70 mV, 1.2 mM) = 0.037.

Optional inside block by intracellular Mg2+ (Johnson & Ascher 1990 Biophys J 57:1085):
internal Mg2+ blocks outward current at depolarised potentials; it is modelled as a
second blocker competing for the pore with K_i(V) = K_i(0) exp(-delta V).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
from brian2 import Quantity, check_units, mM, mV

from .parameters import MgBlockParams, ReleaseParams

__all__ = ["BlockPreset", "BLOCK_PRESETS", "BLOCK_EXPR", "BLOCK_EXPR_INSIDE", "block_expr",
           "block_namespace", "nmda_block", "pr_from_mg", "PR_EXPR"]


@dataclass(frozen=True)
class BlockPreset:
    """Parameters of one published fit of the extracellular Mg2+ block."""
    k_mg: Quantity      #: dissociation constant at 0 mV
    gamma: Quantity     #: voltage sensitivity (per mV)
    source: str


#: Named block presets.  ``bbp_2022``: the Blue Brain hippocampal CA1 fit
#: (Ecker et al. 2020 / Romani et al. 2024, 2.552 mM, 0.0721 /mV).
BLOCK_PRESETS: dict[str, BlockPreset] = {
    "jahr_stevens_1990": BlockPreset(3.57 * mM, 0.062 / mV,
                                     "Jahr & Stevens (1990) J Neurosci 10:3178"),
    "bbp_2022": BlockPreset(2.552 * mM, 0.0721 / mV,
                            "Blue Brain Project hippocampus model (Romani et al. 2024)"),
}

#: Outside block only; reads ``mg_o``, ``v`` and the constants ``K_mg``, ``gamma_mg``.
BLOCK_EXPR = "1 / (1 + mg_o / K_mg * exp(-gamma_mg * v))"
#: Outside + inside block (two blockers competing for one site); also reads ``mg_i``,
#: ``K_mg_i`` and ``delta_mg_i``.
BLOCK_EXPR_INSIDE = ("1 / (1 + mg_o / K_mg * exp(-gamma_mg * v)"
                     " + mg_i / K_mg_i * exp(delta_mg_i * v))")


def block_expr(params: MgBlockParams | None = None, v: str = "v", mg_suffix: str = "") -> str:
    """The block expression for Brian2 equations, with the voltage variable ``v``.

    Parameters
    ----------
    params : MgBlockParams
        Selects whether the inside block is included.
    v : str
        Name of the membrane-potential variable in the target equations
        (e.g. ``"v_post"`` inside a Synapses object).
    mg_suffix : str
        Appended to ``mg_o``/``mg_i`` (``"_post"`` when a Synapses object reads the
        postsynaptic neuron's concentrations).
    """
    params = params or MgBlockParams()
    expr = BLOCK_EXPR_INSIDE if params.inside_block else BLOCK_EXPR
    # Whole-word replacements: the expressions contain no other identifiers with
    # these names.
    expr = re.sub(r"\bmg_([oi])\b", lambda m: f"mg_{m.group(1)}{mg_suffix}", expr)
    return re.sub(r"\bv\b", v, expr)


def block_namespace(params: MgBlockParams | None = None) -> dict[str, Quantity]:
    """Constants referenced by :func:`block_expr` (to pass as a Brian2 namespace)."""
    params = params or MgBlockParams()
    if params.preset not in BLOCK_PRESETS:
        raise KeyError(f"unknown Mg block preset '{params.preset}'; allowed: "
                       f"{', '.join(BLOCK_PRESETS)}")
    preset = BLOCK_PRESETS[params.preset]
    return {"K_mg": preset.k_mg, "gamma_mg": preset.gamma,
            "K_mg_i": params.kd_inside_0mV, "delta_mg_i": params.delta_inside}


@check_units(v=mV, mg_o=mM, mg_i=mM)
def nmda_block(v, mg_o, params: MgBlockParams | None = None, mg_i=0 * mM):
    """NMDA Mg2+ block factor B (fraction of conductance unblocked), 0 < B <= 1.

    Evaluates :data:`BLOCK_EXPR` (or the inside variant) with numpy, the same string
    the Brian2 equations use.

    Parameters
    ----------
    v : Quantity (volt)
        Membrane potential(s).
    mg_o : Quantity (molar)
        Extracellular free [Mg2+].
    params : MgBlockParams
        Preset and inside-block switch.
    mg_i : Quantity (molar)
        Intracellular free [Mg2+] (used only if ``params.inside_block``).

    Returns
    -------
    numpy.ndarray
        Dimensionless block factor, broadcast over the inputs.

    Examples
    --------
    >>> from brian2 import mV, mM
    >>> round(float(nmda_block(-65 * mV, 1 * mM)), 4)
    0.0597
    """
    params = params or MgBlockParams()
    ns = dict(block_namespace(params), v=v, mg_o=mg_o, mg_i=mg_i)
    expr = block_expr(params)
    # Internal constant expression (never user input): evaluate with numpy, units kept
    # by Brian2 quantities so a dimension error raises.
    value = eval(expr, {"__builtins__": {}, "exp": _exp}, ns)  # noqa: S307
    return np.asarray(value, dtype=float)


def _exp(x):
    """exp that accepts dimensionless Brian2 quantities."""
    return np.exp(np.asarray(x, dtype=float))


#: Pr power law in [Mg]i, for Brian2 equations: reads c_b, mg_i, mg_i_ref, k_pr, pr_max.
PR_EXPR = "clip(c_b * (mg_i / mg_i_ref) ** (-k_pr), 0, pr_max)"


@check_units(mg_i=mM, mg_i_ref=mM)
def pr_from_mg(c_b, mg_i, mg_i_ref=0.5 * mM, release: ReleaseParams | None = None):
    """Release probability of boutons with competence ``c_b`` at presynaptic [Mg]i.

    Pr = min(pr_max, c_b * ([Mg]i / [Mg]ref) ** -k)   (science.md §4 item 2; reads [Mg]i).

    Parameters
    ----------
    c_b : array_like
        Release competence of each bouton (Pr at the reference [Mg]i, before capping).
    mg_i : Quantity
        Presynaptic intracellular [Mg2+] (scalar or one per bouton).
    mg_i_ref : Quantity
        Reference [Mg]i.
    release : ReleaseParams
        Exponent k and the cap pr_max.
    """
    release = release or ReleaseParams()
    ratio = np.asarray(mg_i / mg_i_ref, dtype=float)
    if np.any(ratio <= 0):
        raise ValueError("[Mg]i must be positive")
    c_b = np.asarray(c_b, dtype=float)
    if np.any(c_b < 0):
        raise ValueError("release competence c_b must be >= 0")
    return np.clip(c_b * ratio ** (-release.k), 0.0, release.pr_max)
