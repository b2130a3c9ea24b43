"""Culture network: E/I conductance-based AdEx neurons with stochastic, configured contacts.

science.md §4 item 7; docs/culture.md.  The network is built from a :class:`CultureParams`
and a seed, into an explicit Brian2 :class:`~brian2.Network` (no magic network):

* ``n_exc = round(exc_fraction * n)`` excitatory and ``n - n_exc`` inhibitory
  conductance-based AdEx neurons (:func:`mgnet.models.neurons.make_neurons`; AMPA, NMDA
  GluN2A/2B through the Mg2+ block of [Mg]o, GABA_A).  Excitatory cells carry the slow
  spike-triggered adaptation ``b_slow`` (tau_w_slow 4 s) that ends network bursts
  (Masquelier & Deco 2013 PLoS ONE 8:e75824); inhibitory cells do not adapt.
* Random connectivity: every ordered pair (no autapses) is connected with probability
  ``p = min(1, connection_probability * reference_size / n)`` (fixed expected in-degree
  above the reference size), with ``1 + Poisson(extra_contacts_mean)`` contacts per
  connection.  Every contact is its own stochastic Tsodyks–Markram synapse
  (:func:`mgnet.models.synapses.make_contacts`, U = Pr) with the network time constants
  ``tau_f``/``tau_d`` of :class:`CultureParams`.
* Excitatory contacts (E->E and E->I) are the boutons of the postsynaptic neuron's
  dendritic branches: each neuron's excitatory contacts are dealt, in random order, onto
  branches of length U(length_min, length_max) carrying Poisson(anatomical_density * L / 10)
  boutons, exactly the anatomy that :func:`mgnet.models.configuration.sample_branches` draws
  (:func:`mgnet.models.configuration.population_from_counts` draws the bouton attributes with the same
  distributions for *given* counts).  Their Pr and functional state are the
  equilibrium configuration at the condition's [Mg]i
  (:func:`mgnet.models.configuration.equilibrium_pr`); silent boutons keep Pr = 0 and their
  (postsynaptic) quantal size.  Inhibitory contacts release with ``pr_inh``.
* Spontaneous activity: every neuron receives Poisson background AMPA events (summed
  miniature release and unmodelled synaptic noise) at ``bg_rate`` with conductance
  ``bg_weight``: ``g_ampa += bg_w`` per event, independently for every neuron and time
  step (what :class:`brian2.PoissonInput` does, but with rate and weight as ``(shared,
  constant)`` variables so that a compile-once standalone project can change them
  through ``run_args``), generated as one Poisson count per population and step
  scattered onto uniformly random neurons, the same process
  (:mod:`mgnet.models.background`).  The rate is multiplied by ``max(0, 1 + x(t))``, where x is one
  Ornstein-Uhlenbeck process shared by all neurons (SD ``bg_mod_cv``, correlation time
  ``bg_mod_tau``): the modelled neurons are a sample of a larger culture whose
  spontaneous input fluctuates slowly.  Without this shared fluctuation the burst
  ignition of a 2000-neuron random network is a deterministic threshold crossing during
  the recovery from slow adaptation and the inter-burst intervals are clock-like
  (CV < 0.1, docs/culture.md).

What a condition changes (``[Mg]o``, the excitatory Pr per contact, quantal sizes, the
slow adaptation and the background) is held in variables, so
:meth:`Culture.run_args` re-targets a compiled standalone project without recompiling,
and :meth:`Culture.set_condition` does the same in runtime mode.  The structure (who
contacts whom, branch membership, bouton competences) depends only on the size, the
connectivity parameters and the seed.

Plasticity hooks: ``plastic_blocks`` (a mapping) passes ``extra_model``,
``extra_on_pre``, ``extra_on_post`` and ``extra_namespace`` to the E->E contacts, and
``neuron_eqs`` / ``neuron_namespace`` to the excitatory neurons (e.g. a per-neuron
GluN2B metaplasticity variable).

Modules: :mod:`.structure` (who contacts whom, branches, per-contact values),
:mod:`.network` (the Brian2 network, :func:`build_culture`), :mod:`.simulation`
(compile once, re-run per condition: :func:`iter_culture`).  Every name is re-exported
here.
"""
from __future__ import annotations

# private names that other modules and tests import from here
from .network import (  # noqa: F401  # noqa: F401
                      _BACKGROUND_DRIVE,
                      _BACKGROUND_EQS,
                      _MODULATION_EQS,
                      PLASTIC_BLOCK_KEYS,
                      Culture,
                      _assignment_name,
                      _nmda_gain,
                      build_culture,
                      initial_efficacy,
                      plastic_quantal_sizes,
)
from .simulation import iter_culture, project_signature, simulate_culture, structural_signature
from .structure import (
                      PATHWAYS,
                      ContactValues,
                      CultureStructure,
                      Pathway,
                      contact_values,
                      culture_structure,
                      deal_into_branches,
                      effective_connection_probability,
)

__all__ = ["PATHWAYS", "Pathway", "CultureStructure", "ContactValues", "Culture",
           "effective_connection_probability",
           "deal_into_branches", "culture_structure", "contact_values", "build_culture",
           "PLASTIC_BLOCK_KEYS", "structural_signature", "project_signature",
           "simulate_culture", "iter_culture", "initial_efficacy", "plastic_quantal_sizes"]
