"""Simulating a culture: one structure at several conditions, built once (runtime) or
compiled once into a cached ``cpp_standalone`` project and re-run with ``run_args``
(:func:`iter_culture`), and the signatures that decide what may share a build.
Part of :mod:`mgnet.models.culture`."""
from __future__ import annotations

import dataclasses

import numpy as np
from brian2 import pA, second

from ..parameters import CultureParams, ModelParams, PlasticityParams
from .network import build_culture
from .structure import CultureStructure, contact_values, culture_structure

__all__ = ["structural_signature", "project_signature", "simulate_culture", "iter_culture"]

#: CultureParams fields that reach the network only as run_args-able values.
_CULTURE_VALUE_FIELDS = ("q_ee_scale", "q_ei_scale", "q_inh_scale", "pr_inh", "bg_rate",
                         "bg_weight", "bg_weight_cv", "b_slow", "bg_to_inh", "bg_mod_cv")


def structural_signature(params: ModelParams, culture: CultureParams) -> str:
    """Everything of a condition that enters the generated code or the structure.

    Two (params, culture) pairs with the same signature (and the same size and seed)
    can share one compiled standalone project: they differ only in [Mg]o, [Mg]i, the
    GluN2B fraction, the aged competence factor, the [Mg]o of the NMDA Ca2+
    (``MgBlockParams.nmda_ca_mg_o``) and the values of :data:`_CULTURE_VALUE_FIELDS`.
    """
    p = dataclasses.replace(
        params, magnesium=type(params.magnesium)(),
        receptors=dataclasses.replace(params.receptors,
                                      glun2b_fraction=type(params.receptors)().glun2b_fraction),
        configuration=dataclasses.replace(params.configuration, aged_competence_factor=1.0),
        neuron=dataclasses.replace(params.neuron, b_slow=0 * pA),
        # the [Mg]o the NMDA Ca2+ sees reaches the contacts as run values (their
        # nca_mg_o and coincidence tables, Culture.run_args), not through the code
        mg_block=dataclasses.replace(params.mg_block,
                                     nmda_ca_mg_o=type(params.mg_block)().nmda_ca_mg_o),
        # the network enters as ``culture`` below; the GluN2B regulation never reaches
        # the code (the fraction it sets is a run value)
        culture=type(params.culture)(), metaplasticity=type(params.metaplasticity)())
    defaults = CultureParams()
    c = dataclasses.replace(culture, **{k: getattr(defaults, k)
                                        for k in _CULTURE_VALUE_FIELDS})
    return repr((p, c))


def project_signature(structure: CultureStructure, signature: str, duration_s: float,
                      sim_seed: int) -> tuple:
    """The signature of a culture's standalone project
    (:class:`mgnet.models.backend.StandaloneSession`): the structure's arrays, the
    initial potentials, ``signature`` (:func:`structural_signature` and what else the
    caller's code depends on), the simulated time and the stream seed (recorded in the
    binary).  The build flags and the time step are added by the session."""
    return (tuple(np.asarray(a, dtype=np.int64) for a in structure.key_arrays()),
            tuple(np.asarray(structure.v_init[pop], dtype=float) for pop in ("exc", "inh")),
            signature, round(float(duration_s), 9), int(sim_seed))


def _rho_of(cult, t) -> dict:
    """``{"rho_final": ...}`` of a plastic culture at the end ``t`` of its run (else {})."""
    if cult.plasticity is None:
        return {}
    from ..plasticity import current_rho
    return {"rho_final": np.asarray(current_rho(cult.synapses["ee"], cult.plasticity, t=t),
                                    dtype=float)}


def simulate_culture(n_neurons: int, samples: list, *, seed: int, duration,
                     device_name: str = "cpp_standalone", sim_seed: int | None = None,
                     progress=None, cache_dir=None, spine_ca: tuple = ()) -> list[dict]:
    """Simulate spontaneous activity of one culture structure at several conditions.

    The list of what :func:`iter_culture` yields (same arguments).
    """
    return list(iter_culture(n_neurons, samples, seed=seed, duration=duration,
                             device_name=device_name, sim_seed=sim_seed, progress=progress,
                             cache_dir=cache_dir, spine_ca=spine_ca))


def iter_culture(n_neurons: int, samples: list, *, seed: int, duration,
                 device_name: str = "cpp_standalone", sim_seed: int | None = None,
                 progress=None, cache_dir=None, spine_ca: tuple = (),
                 plasticity: PlasticityParams | None = None):
    """Simulate one culture structure at several conditions, yielding each result as
    soon as it is done (so callers can save it before the next one runs).

    Parameters
    ----------
    n_neurons : int
    samples : list of (ModelParams, CultureParams)
        Conditions to run on the same structure; they must share
        :func:`structural_signature` (the first one builds the network).
    seed : int
        Structure seed (connectivity, branches, initial potentials).
    duration : Quantity
        Simulated time per sample.
    device_name : {"cpp_standalone", "runtime"}
        ``cpp_standalone`` compiles once per structure into a cached project
        (``$MGNET_CACHE``/standalone/culture-<key>, exclusive file lock while building,
        shared lock while running) and re-runs it with ``run_args`` for every sample.
    sim_seed : int, optional
        Seed of Brian2's generator (release draws, background); default ``seed``.  Every
        sample starts from the same generator state (paired conditions).
    spine_ca : tuple of str
        Pathways that track spine Ca2+ (:func:`build_culture`); none by default, since
        only spikes are returned.
    plasticity : PlasticityParams, optional
        Plastic E->E contacts with this rule (:func:`build_culture`); each result then
        also holds ``rho_final`` (efficacy of every E->E contact, projected to the end).

    Yields
    ------
    dict
        Per sample: ``spikes`` ({"exc"|"inh": (times_s, ids)}), ``n_exc``, ``n_inh``,
        ``n_contacts`` (per pathway), ``values`` (ContactValues per pathway) and
        ``timing`` (``build_s``, ``compile_s``, ``run_s`` wall-clock seconds).
    """
    import time
    if not samples:
        return
    sim_seed = seed if sim_seed is None else int(sim_seed)
    params0, culture0 = samples[0]
    sig = _shared_signature(samples)
    t0 = time.time()
    structure = culture_structure(n_neurons, culture0, params0.configuration, seed=seed,
                                  e_l=params0.neuron.e_l)
    values = [contact_values(structure, p, c) for p, c in samples]
    # Standalone: compiled once per structure into a cached project
    # ($MGNET_CACHE/standalone/culture-<key>), every sample a rerun with run_args;
    # runtime: every sample from the stored state.  Brian2's generator is seeded with
    # sim_seed for every sample (paired conditions).
    signature = project_signature(structure, sig + repr(tuple(spine_ca)) + repr(plasticity),
                                  float(duration / second), sim_seed)
    yield from _session_runs(n_neurons, samples, values, structure, signature, t0,
                             seed=seed, duration=duration, device_name=device_name,
                             sim_seed=sim_seed, progress=progress, cache_dir=cache_dir,
                             spine_ca=spine_ca, plasticity=plasticity)


def _shared_signature(samples) -> str:
    """The :func:`structural_signature` every ``(params, culture)`` sample shares (else
    ValueError: they cannot share one build)."""
    params0, culture0 = samples[0]
    sig = structural_signature(params0, culture0)
    for p, c in samples[1:]:
        if structural_signature(p, c) != sig:
            raise ValueError("all samples of one simulate_culture call must share the "
                             "structure (only Mg, the aged competence factor and "
                             f"{', '.join(_CULTURE_VALUE_FIELDS)} may differ)")
    return sig


def _session_runs(n_neurons, samples, values, structure, signature, t0, *, seed, duration,
                  device_name, sim_seed, progress, cache_dir, spine_ca, plasticity):
    """Build once in a simulation session, then run every sample (:func:`iter_culture`)."""
    import time

    from ..backend import simulation_session
    params0, culture0 = samples[0]
    base = {"n_exc": structure.n_exc, "n_inh": structure.n_inh,
            "n_contacts": structure.n_contacts(),
            "connection_probability": structure.connection_probability}
    with simulation_session(device_name, "culture", signature, seed=sim_seed,
                            cache_dir=cache_dir) as session:
        cult = build_culture(n_neurons, params0, culture0, seed=seed, structure=structure,
                             spine_ca=spine_ca, plasticity=plasticity)

        def simulate():
            cult.net.run(duration, namespace={})

        build_s = time.time() - t0
        compile_s = session.prepare(cult.net, simulate, progress=progress)["compile_s"]
        for k, ((p, c), vals) in enumerate(zip(samples, values, strict=True)):
            if progress:
                progress(f"sample {k + 1}/{len(samples)}", k / len(samples))
            t1 = time.time()
            session.run(cult.run_args(p, c, vals), simulate)
            run_s = time.time() - t1
            cult.check_finite()
            yield dict(base, spikes=cult.spike_data(), values=vals, **_rho_of(cult, duration),
                       timing={"build_s": build_s, "compile_s": compile_s, "run_s": run_s})
