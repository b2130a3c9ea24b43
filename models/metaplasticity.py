"""GluN2B metaplasticity: the GluN2B fraction follows the chronic NMDA Ca2+ load.

Slutsky et al. (2004) Neuron 44:835 (science.md §4 item 6): when [Mg]o rises from 0.8
to 1.2 mM, NMDA Ca2+ influx during weakly depolarised, uncorrelated background activity
falls; over hours the reduced chronic Ca2+ load up-regulates GluN2B-containing NMDA
receptors.  Reads the NMDA Ca2+ of actual releases (hence [Mg]o through B(V)).

Two time scales, handled separately (the slow one is hours, the network's seconds):

* fast: during a network simulation each excitatory contact adds its release's NMDA
  Ca2+ (``ca_2a + ca_2b`` of :func:`mgnet.models.nmda_calcium.nmda_ca_on_pre`, and the
  ``cx_2a + cx_2b`` that postsynaptic spikes add, :data:`LOAD_ON_POST`) to the
  postsynaptic neuron's accumulator ``nmda_ca_load`` (:data:`LOAD_ON_PRE`); the
  chronic load is L = accumulated Ca2+ / simulated time;
* slow: tau_meta df/dt = f*(L) - f with f*(L) = f_min + (f_max - f_min)/(1 + (L/L_half)^n),
  integrated in closed form over a slow step during which L is held
  (:func:`advance_glun2b`).  Alternating fast measurement and slow steps
  (:func:`relax_glun2b`) follows the hours-long approach including the feedback that
  GluN2B's slow decay raises the Ca2+ per release.
"""
from __future__ import annotations

import functools

import numpy as np

from .calibration_files import read_calibration
from .parameters import MetaplasticityParams

__all__ = ["LOAD_NEURON_EQS", "LOAD_ON_PRE", "LOAD_ON_POST", "target_glun2b", "advance_glun2b",
           "relax_glun2b"]

#: Per-neuron accumulator (compose into the neuron equations).
LOAD_NEURON_EQS = """
nmda_ca_load : 1       # NMDA Ca2+ received since reset (a.u.), for the chronic load
"""
#: Compose after the spine-Ca2+ code of excitatory contacts (uses its temporaries):
#: the NMDA Ca2+ of each release, and the excess that each postsynaptic spike adds to the
#: receptors the contact has open (models/nmda_calcium.py).
LOAD_ON_PRE = """
nmda_ca_load_post += ca_2a + ca_2b
"""
LOAD_ON_POST = """
nmda_ca_load_post += cx_2a + cx_2b
"""


def target_glun2b(load, load_half: float, params: MetaplasticityParams | None = None):
    """Steady-state GluN2B fraction f*(L) for chronic load ``load`` (a.u./s).

    Decreasing in the load: low NMDA Ca2+ load (e.g. higher [Mg]o during background
    activity) raises the GluN2B fraction.
    """
    p = params or MetaplasticityParams()
    if load_half <= 0:
        raise ValueError("load_half must be > 0")
    x = np.clip(np.asarray(load, dtype=float), 0, None) / load_half
    return p.f_min + (p.f_max - p.f_min) / (1 + x ** p.hill)


def advance_glun2b(f, load, dt_s: float, load_half: float,
                   params: MetaplasticityParams | None = None):
    """Exact solution of tau df/dt = f*(L) - f over ``dt_s`` seconds at constant load."""
    p = params or MetaplasticityParams()
    target = target_glun2b(load, load_half, p)
    decay = np.exp(-dt_s / float(p.tau_meta))
    return target + (np.asarray(f, dtype=float) - target) * decay


def relax_glun2b(measure_load, f0, load_half: float, total_s: float, n_steps: int,
                 params: MetaplasticityParams | None = None, progress=None) -> dict:
    """Alternate fast load measurements and slow closed-form steps.

    Parameters
    ----------
    measure_load : callable
        ``measure_load(f) -> L``: runs the network with GluN2B fractions ``f`` (one per
        neuron) and returns each neuron's chronic load (a.u./s).
    f0 : array
        Initial GluN2B fractions.
    load_half : float
        Half-effect load (the baseline culture's mean load).
    total_s : float
        Slow time to cover (e.g. 24 h = 86400 s).
    n_steps : int
        Number of slow steps (one network measurement each).

    Returns
    -------
    dict
        ``times_s`` (n_steps + 1), ``f_mean`` and ``load_mean`` per step, final ``f``.
    """
    f = np.asarray(f0, dtype=float).copy()
    dt = total_s / n_steps
    times, f_mean, load_mean = [0.0], [float(f.mean())], []
    for k in range(n_steps):
        load = np.asarray(measure_load(f), dtype=float)
        load_mean.append(float(load.mean()))
        f = advance_glun2b(f, load, dt, load_half, params)
        times.append((k + 1) * dt)
        f_mean.append(float(f.mean()))
        if progress:
            progress(f"slow step {k + 1}/{n_steps}", (k + 1) / n_steps)
    return {"times_s": np.array(times), "f_mean": np.array(f_mean),
            "load_mean": np.array(load_mean), "f": f}


#: Written by ``mgnet calibrate-glun2b`` (experiments/calibrate_glun2b.py).
CHRONIC_FILE = __import__("pathlib").Path(__file__).with_name("glun2b_chronic.toml")


def chronic_glun2b(condition: str, path=None) -> float:
    """Chronic GluN2B fraction of ``condition`` (science.md §6 chronic arm).

    Read lazily from ``models/glun2b_chronic.toml`` (``mgnet calibrate-glun2b --write``:
    the per-neuron fraction relaxed for 24 h against each condition's background NMDA Ca2+
    load, averaged over neurons), a versioned calibration file
    (:mod:`mgnet.models.calibration_files`), read once and cached until it changes.

    Raises
    ------
    FileNotFoundError
        If the calibration has not been run (the message says how).
    KeyError
        If the file has no value for ``condition``.
    ValueError
        If the file is not a calibration file of a readable schema version.
    """
    from pathlib import Path
    target = Path(path) if path else CHRONIC_FILE
    try:
        stamp = target.stat().st_mtime_ns
    except FileNotFoundError:
        raise FileNotFoundError(f"{target} not found: run 'mgnet calibrate-glun2b --write' "
                                f"once (the chronic arm's GluN2B fractions)") from None
    table = _chronic_table(str(target), stamp)
    if condition not in table:
        raise KeyError(f"no chronic GluN2B fraction for condition '{condition}' in {target}; "
                       f"allowed: {', '.join(table)}")
    return float(table[condition])


@functools.lru_cache(maxsize=8)
def _chronic_table(path: str, mtime_ns: int) -> dict:
    """The ``[chronic]`` table of a GluN2B calibration file (cached per path and version
    of the file on disk)."""
    data = read_calibration(path, "mgnet calibrate-glun2b --write")
    if data is None:
        raise FileNotFoundError(f"{path} not found: run 'mgnet calibrate-glun2b --write'")
    return dict(data.get("chronic", {}))


__all__ += ["chronic_glun2b", "CHRONIC_FILE"]
