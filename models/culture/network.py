"""The culture's Brian2 network: the :class:`Culture` (its groups, contacts, monitors
and the condition values it re-targets with ``run_args``) and :func:`build_culture`.
Part of :mod:`mgnet.models.culture`."""
from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from brian2 import Hz, Network, NeuronGroup, SpikeMonitor, linked_var, mV, nS, pA, second

from ..backend import apply_assignments
from ..background import poisson_drive
from ..neurons import make_neurons
from ..parameters import (
    CultureParams,
    ModelParams,
    PlasticityParams,
    ShortTermPlasticityParams,
    nmda_ca_mg_o,
)
from ..synapses import check_tables, make_contacts, nmda_table_assignments
from .structure import PATHWAYS, CultureStructure, contact_values, culture_structure

__all__ = ["Culture", "build_culture", "PLASTIC_BLOCK_KEYS", "initial_efficacy",
           "plastic_quantal_sizes"]

#: Keys accepted in ``plastic_blocks``.
PLASTIC_BLOCK_KEYS = ("extra_model", "extra_on_pre", "extra_on_post", "extra_namespace",
                      "neuron_eqs", "neuron_namespace")

#: Background-drive and slow-adaptation variables (shared constants, run_args-able).
_BACKGROUND_EQS = """
bg_rate : Hz (shared, constant)        # background AMPA event rate per neuron
bg_w : siemens (constant)              # AMPA conductance per background event
bg_x : 1 (linked)                      # shared slow modulation of the background rate
"""
#: Shared Ornstein-Uhlenbeck modulation of the background rate (one "neuron").
_MODULATION_EQS = """
dx/dt = -x/bg_mod_tau + sigma*sqrt(2/bg_mod_tau)*xi : 1   # OU with stationary SD sigma
sigma : 1 (shared, constant)                              # = bg_mod_cv
"""
_SLOW_ADAPTATION_EQS = """
b_slow : amp (shared, constant)        # slow adaptation increment (calibrated, culture)
"""
#: Background events: g_ampa += bg_w per event, Poisson at bg_rate*max(0, 1 + bg_x) per
#: neuron (mgnet.models.background.poisson_drive: one count per population and step,
#: scattered onto random neurons; the same process as one poisson() per neuron).
_BACKGROUND_DRIVE = {"target": "g_ampa", "weight": "bg_w",
                     "rate": "bg_rate*clip(1 + bg_x, 0, 100)"}


# --------------------------------------------------------------------------------------
# Brian2 network
# --------------------------------------------------------------------------------------
@dataclass
class Culture:
    """A built culture: the explicit Network, its groups, contacts and monitors."""
    net: Network
    groups: dict                   #: "exc", "inh" -> NeuronGroup
    synapses: dict                 #: "ee", "ei", "ie", "ii" -> Synapses
    spikes: dict                   #: "exc", "inh" -> SpikeMonitor (empty if not recorded)
    structure: CultureStructure
    values: dict                   #: pathway -> ContactValues at the build condition
    culture: CultureParams
    params: ModelParams
    extra: dict = field(default_factory=dict)   #: other monitors added by callers
    #: Plasticity rule of the E->E contacts (None: static contacts).
    plasticity: PlasticityParams | None = None
    #: Initial efficacy rho of every E->E contact (plastic cultures only).
    rho_init: np.ndarray | None = None

    @property
    def exc(self):
        return self.groups["exc"]

    @property
    def inh(self):
        return self.groups["inh"]

    def _assignments(self, params: ModelParams, culture: CultureParams,
                     values: dict | None = None) -> list[tuple[Any, Any]]:
        values = values if values is not None else contact_values(self.structure, params,
                                                                  culture)
        return (self._contact_assignments(values, culture)
                + self._neuron_assignments(params, culture))

    def _contact_assignments(self, values: dict,
                             culture: CultureParams | None = None) -> list[tuple[Any, Any]]:
        culture = culture or self.culture
        out = []
        for name, syn in self.synapses.items():
            v = values[name]
            out.append((syn.U, v.pr))
            if name == "ee" and self.plasticity is not None:
                q_down, q = plastic_quantal_sizes(v.q_nS, self.rho_init, self.plasticity)
                out.append((syn.q_down, q_down * nS))
                out.append((syn.rho, self.rho_init))
                out.append((syn.q, q * nS))
            else:
                out.append((syn.q, v.q_nS * nS))
            if name in ("ee", "ei"):
                out.append((syn.q_nmda, v.q_nmda_nS * nS))
                if getattr(syn, "nca_tables", None):
                    out.append((syn.nmda_gain, _nmda_gain(name, culture)))
        return out

    def _neuron_assignments(self, params: ModelParams,
                            culture: CultureParams) -> list[tuple[Any, Any]]:
        out = []
        factor = self.structure.bg_factor(culture.bg_weight_cv)
        for pop, g in self.groups.items():
            out.append((g.mg_o, params.magnesium.mg_o))
            # The GluN2B fraction is a state of each neuron (metaplasticity, science.md
            # §4 item 6): a condition's chronic value reaches a compiled project here.
            out.append((g.f_2b, float(params.receptors.glun2b_fraction)))
            on = pop == "exc" or culture.bg_to_inh
            out.append((g.bg_rate, culture.bg_rate if on else 0 * Hz))
            out.append((g.bg_w, culture.bg_weight * factor[pop]))
        out.append((self.exc.b_slow, culture.b_slow))
        out.append((self.extra["bg_modulation"].sigma, float(culture.bg_mod_cv)))
        # The NMDA Ca2+ coincidence tables follow the [Mg]o that the NMDA Ca2+ sees
        # (models/nmda_calcium.py): the condition's, or the baseline's in the ablation of
        # MgBlockParams.nmda_ca_mg_o (checked by check_finite).
        self._ca_mg_o = nmda_ca_mg_o(params)
        for name, syn in self.synapses.items():
            tgt = "exc" if name in ("ee", "ie") else "inh"
            out += nmda_table_assignments(
                syn, self._ca_mg_o, neuron=self._neuron_params(tgt, params, culture),
                receptors=params.receptors, spine_ca=params.spine_ca, block=params.mg_block,
                mg_i=params.magnesium.mg_i)
        return out

    @staticmethod
    def _neuron_params(pop: str, params: ModelParams, culture: CultureParams):
        if pop == "exc":
            return dataclasses.replace(params.neuron, b_slow=0 * pA)
        return dataclasses.replace(params.neuron, a=culture.inh_a, b=culture.inh_b,
                                   b_slow=0 * pA)

    def set_condition(self, params: ModelParams, culture: CultureParams | None = None,
                      values: dict | None = None) -> None:
        """Runtime mode: set every condition-dependent value (before ``net.run``)."""
        culture = culture or params.culture
        apply_assignments(self._assignments(params, culture, values))
        self.params, self.culture = params, culture

    def run_args(self, params: ModelParams, culture: CultureParams | None = None,
                 values: dict | None = None, overrides: Mapping | None = None) -> dict:
        """Standalone mode: ``run_args`` for ``device.run`` at another condition.

        Only values that are variables in the compiled project can change: [Mg]o, the
        GluN2B fraction, Pr and quantal sizes per contact, b_slow, background rate and
        weight.  ``overrides`` replaces single values by the variable's
        ``"group.name"`` (e.g. ``{"exc.f_2b": per_neuron_array}``; an unknown name is
        refused).  Everything else
        in ``culture`` (sizes, connectivity, STP time constants, delays) must equal the
        build values (they are part of the project's cache key).
        """
        culture = culture or params.culture
        pairs = self._assignments(params, culture, values)
        overrides = dict(overrides or {})
        out = {}
        for view, value in pairs:
            out[view] = overrides.pop(_assignment_name(view), value)
        if overrides:
            raise KeyError(f"run_args overrides name no condition variable: "
                           f"{', '.join(sorted(overrides))}; allowed: "
                           f"{', '.join(sorted(_assignment_name(v) for v, _ in pairs))}")
        return out

    def spike_data(self) -> dict:
        """``{"exc": (times_s, ids), "inh": (times_s, ids)}`` from the monitors."""
        return {pop: (np.asarray(m.t / second, dtype=float), np.asarray(m.i, dtype=np.int64))
                for pop, m in self.spikes.items()}

    def check_finite(self) -> None:
        """Raise RuntimeError if any membrane potential became NaN (runaway dynamics), or
        if NMDA Ca2+ tables do not match the target's [Mg]o."""
        expected = getattr(self, "_ca_mg_o", None)
        if expected is None:
            expected = nmda_ca_mg_o(self.params)
        for name, syn in self.synapses.items():
            check_tables(syn, self.groups["exc" if name in ("ee", "ie") else "inh"], expected)
        for pop, g in self.groups.items():
            v = np.asarray(g.v / mV)
            if not np.all(np.isfinite(v)):
                raise RuntimeError(f"culture: non-finite membrane potential in population "
                                   f"'{pop}' (runaway dynamics); lower q_ee_scale or "
                                   f"bg_weight")


def _assignment_name(target) -> str:
    """``"group.variable"`` of a variable view; the object's own name otherwise (tables)."""
    group = getattr(target, "group_name", None)
    name = getattr(target, "name", None)
    if name is None:          # never repr() a standalone view: it reads its values
        name = f"<{type(target).__name__}>"
    return f"{group}.{name}" if group else str(name)


def _nmda_gain(pathway: str, culture: CultureParams) -> float:
    """Network gain calibration contained in the q_nmda of an excitatory pathway (1 when
    the gain is 0: the pathway then has no receptors, q_nmda = 0, and no Ca2+)."""
    gain = float(culture.q_ee_scale * (culture.q_ei_scale if pathway == "ei" else 1.0))
    return gain if gain > 0 else 1.0


def initial_efficacy(structure: CultureStructure, plasticity: PlasticityParams) -> np.ndarray:
    """Initial Graupner–Brunel efficacy of every E->E contact: DOWN (0) with probability
    ``plasticity.beta``, else UP (1), drawn from the structure seed (same in every
    condition).  The rule is bistable (rho* = 1/2): synapses rest in one of the two
    states (Graupner & Brunel 2012: beta is the fraction initially DOWN)."""
    stream = np.random.SeedSequence(int(structure.seed)).spawn(len(PATHWAYS) * 2 + 2)[-1]
    rng = np.random.default_rng(stream)
    n = structure.pathways["ee"].n_contacts
    return (rng.random(n) >= float(plasticity.beta)).astype(float)


def plastic_quantal_sizes(q_nS, rho, plasticity: PlasticityParams):
    """DOWN-state and current AMPA quantal sizes (nS) of plastic E->E contacts.

    The calibrated quantal size ``q_nS`` of a contact is its *expected* size over the
    initial UP/DOWN states (a fraction β DOWN, 1 − β UP), so the mean recurrent
    conductance of the calibrated network is unchanged:
    q_down = q / (1 + (b − 1)(1 − β)), q(ρ) = q_down (1 + (b − 1) ρ).
    """
    b, beta = float(plasticity.b), float(plasticity.beta)
    q_down = np.asarray(q_nS, dtype=float) / (1 + (b - 1) * (1 - beta))
    return q_down, q_down * (1 + (b - 1) * np.asarray(rho, dtype=float))


def _plastic(blocks: Mapping | None) -> dict:
    blocks = dict(blocks or {})
    unknown = set(blocks) - set(PLASTIC_BLOCK_KEYS)
    if unknown:
        raise ValueError(f"unknown plastic_blocks keys {sorted(unknown)}; allowed: "
                         f"{', '.join(PLASTIC_BLOCK_KEYS)}")
    return blocks


def build_culture(n_neurons: int, params: ModelParams | None = None,
                  culture: CultureParams | None = None, *, seed: int,
                  plastic_blocks: Mapping | None = None, record_spikes: bool = True,
                  structure: CultureStructure | None = None,
                  name_prefix: str = "",
                  plasticity: PlasticityParams | None = None,
                  spine_ca: tuple = ("ee",), readouts: bool = False) -> Culture:
    """Build the culture network at the condition of ``params``.

    Parameters
    ----------
    n_neurons : int
        Number of neurons (the size of the culture is a run choice of each experiment,
        e.g. its ``options.n_neurons``; every other network value is in ``culture``).
    params : ModelParams
        Condition: [Mg]o (``params.magnesium.mg_o``, read by the NMDA block), [Mg]i
        (``params.magnesium.mg_i``, read by the configuration), neuron, receptor, block,
        release and configuration parameters.  ``params.stp`` is not used: network
        contacts use ``culture.tau_f``/``tau_d``.
    culture : CultureParams, optional
        Network parameters (default: ``params.culture``, whose defaults include the
        calibrated values).
    seed : int
        Structure seed: connectivity, branches, bouton competences, initial potentials.
        Brian2's own generator (release draws, background) is seeded by the caller
        (:func:`mgnet.models.backend.seed_all`), as every Brian2 global is.
    plastic_blocks : mapping, optional
        ``extra_model``, ``extra_on_pre``, ``extra_on_post``, ``extra_namespace`` for the
        E->E contacts and ``neuron_eqs``, ``neuron_namespace`` for the excitatory neurons.
    record_spikes : bool
        Add SpikeMonitors for both populations.
    structure : CultureStructure, optional
        Reuse an already drawn structure (must match ``n_neurons``).
    name_prefix : str
        Prefix of every Brian2 object name (several cultures in one process).
    plasticity : PlasticityParams, optional
        Make the E->E contacts plastic with this Graupner–Brunel rule
        (:func:`mgnet.models.plasticity.make_plastic_contacts`; C_pre scales with the NMDA
        Ca2+ of each release); initial states from :func:`initial_efficacy`, quantal
        sizes from :func:`plastic_quantal_sizes`; ``plastic_blocks`` compose after it.
    spine_ca : tuple of str
        Excitatory pathways ("ee", "ei") whose contacts track spine Ca2+ (E->E by default;
        leaving one out removes work, not behaviour: the same spikes and random streams).
    readouts : bool
        Store the contacts' assay read-outs (:func:`mgnet.models.synapses.make_contacts`;
        no culture experiment reads them; spikes and random streams are the same).

    Returns
    -------
    Culture
    """
    params = params or ModelParams()
    culture = culture or params.culture
    n_neurons = int(n_neurons)
    blocks = _plastic(plastic_blocks)
    spine_ca = tuple(spine_ca)
    if not set(spine_ca) <= {"ee", "ei"}:
        raise ValueError(f"spine_ca names excitatory pathways; allowed: ee, ei, got {spine_ca}")
    if structure is None:
        structure = culture_structure(n_neurons, culture, params.configuration, seed=seed,
                                      e_l=params.neuron.e_l)
    elif structure.n_neurons != n_neurons:
        raise ValueError("structure does not match n_neurons")
    values = contact_values(structure, params, culture)
    groups, modulation, neurons = _populations(structure, params, culture, blocks,
                                               name_prefix)
    synapses, rho_init = _pathways(structure, values, params, culture, groups, neurons,
                                   blocks, plasticity, spine_ca, readouts, name_prefix)
    spikes = {}
    if record_spikes:
        spikes = {pop: SpikeMonitor(g, name=f"{name_prefix}{pop}_spikes")
                  for pop, g in groups.items()}
    net = Network(modulation, *groups.values(), *synapses.values(), *spikes.values())
    cult = Culture(net, groups, synapses, spikes, structure, values, culture, params,
                   extra={"bg_modulation": modulation}, plasticity=plasticity,
                   rho_init=rho_init)
    # Condition-dependent neuron values (background, slow adaptation, [Mg]o); the
    # contact values were passed to make_contacts above.
    apply_assignments(cult._neuron_assignments(params, culture))
    return cult


def _populations(structure: CultureStructure, params: ModelParams, culture: CultureParams,
                 blocks: dict, name_prefix: str):
    """(groups {"exc", "inh"}, the shared background modulation, neuron parameters per
    population) of :func:`build_culture`: AdEx groups with the background drive and, in
    the excitatory one, the slow adaptation and the plasticity's neuron blocks."""
    neurons = {pop: Culture._neuron_params(pop, params, culture) for pop in ("exc", "inh")}
    common = dict(receptors=params.receptors, block=params.mg_block,
                  magnesium=params.magnesium, spine_ca=params.spine_ca)
    exc = make_neurons(structure.n_exc, neuron=neurons["exc"],
                       extra_eqs=_BACKGROUND_EQS + _SLOW_ADAPTATION_EQS
                       + blocks.get("neuron_eqs", ""),
                       extra_namespace=blocks.get("neuron_namespace"),
                       name=f"{name_prefix}exc", **common)
    # b_slow is a run_args-able variable of the excitatory group, not a constant.
    exc.namespace.pop("b_slow", None)
    inh = make_neurons(structure.n_inh, neuron=neurons["inh"], extra_eqs=_BACKGROUND_EQS,
                       name=f"{name_prefix}inh", **common)
    groups = {"exc": exc, "inh": inh}
    # Shared slow modulation of the background; starts at 0 (the stationary mean).
    modulation = NeuronGroup(1, _MODULATION_EQS, method="euler",
                             namespace={"bg_mod_tau": culture.bg_mod_tau},
                             name=f"{name_prefix}bg_modulation")
    for pop, g in groups.items():
        g.v = structure.v_init[pop] * mV
        g.bg_x = linked_var(modulation, "x", index=np.zeros(len(g), dtype=int))
        poisson_drive(g, **_BACKGROUND_DRIVE, when="synapses", order=-1,
                      name=f"{name_prefix}{pop}_background")
    return groups, modulation, neurons


def _pathways(structure, values, params, culture, groups, neurons, blocks, plasticity,
              spine_ca, readouts, name_prefix):
    """({pathway: contacts} in :data:`PATHWAYS` order, initial E->E efficacies or None)
    of :func:`build_culture`."""
    stp = ShortTermPlasticityParams(tau_f=culture.tau_f, tau_d=culture.tau_d)
    synapses = {}
    rho_init = None
    for name, src, tgt in PATHWAYS:
        pw = structure.pathways[name]
        v = values[name]
        kind = "exc" if src == "exc" else "inh"
        extra = {}
        if name == "ee":
            extra = {k: blocks[k] for k in ("extra_model", "extra_on_pre", "extra_on_post",
                                            "extra_namespace") if k in blocks}
        common_syn = dict(stp=stp, receptors=params.receptors, spine_ca=params.spine_ca,
                          block=params.mg_block, delay=culture.delay,
                          name=f"{name_prefix}{name}", readouts=readouts,
                          calcium=params.calcium,
                          # the contacts' NMDA Ca2+ tables: the [Mg]o that Ca2+ sees
                          magnesium=dataclasses.replace(params.magnesium,
                                                        mg_o=nmda_ca_mg_o(params)),
                          neuron=neurons[tgt])
        if kind == "exc":
            # q_nmda carries the network gain; the NMDA Ca2+ must not (it scales with the
            # contact's receptor content q_nmda/(q_nmda_ref * gain) only).
            common_syn["nmda_gain"] = _nmda_gain(name, culture)
        if name == "ee" and plasticity is not None:
            from ..plasticity import make_plastic_contacts
            rho_init = initial_efficacy(structure, plasticity)
            _, q = plastic_quantal_sizes(v.q_nS, rho_init, plasticity)
            synapses[name] = make_plastic_contacts(
                groups[src], groups[tgt], pw.pre, pw.post, pr=v.pr, q=q * nS,
                plasticity=plasticity, rho_init=rho_init, **common_syn, **extra)
        else:
            synapses[name] = make_contacts(
                groups[src], groups[tgt], pw.pre, pw.post, pr=v.pr, q=v.q_nS * nS,
                kind=kind, track_spine_ca=name in spine_ca, **common_syn, **extra)
        if kind == "exc":
            synapses[name].q_nmda = v.q_nmda_nS * nS
    return synapses, rho_init
