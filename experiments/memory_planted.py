"""memory-planted: can the recall read-out see a memory that is there?

The positive control of science.md §6 (issue 14, Build 1): before any condition is
compared, a *planted* assembly — its in-assembly E->E contacts set UP (ρ = 1) by hand,
plasticity off throughout — must be recalled from a partial cue well above two controls
cued the same way in the same run: *sham* cues (random non-members of the same size) and
*unencoded* assemblies (random assemblies whose contacts keep their seeded states).
Nothing here is tuned towards the Mg hypothesis: the protocol quantities (cue pulses and
strength, feed-forward inhibition, read-out window) are chosen on this control at
``baseline`` on calibration seeds >= 1000 only (docs/memory.md "Instrument"), and
frozen in :data:`mgnet.experiments.memory_encoding.RECALL_DEFAULTS`.

Network.  The calibrated culture of memory-encoding (:mod:`mgnet.models.culture`) with the
E->E quantal sizes of its plastic contacts *frozen*: every contact has the AMPA quantal
size q = q_down (1 + (b − 1) ρ) that the plastic contact would have at efficacy ρ
(:func:`mgnet.models.culture.plastic_quantal_sizes`, the rule's b and β from
``[params.plasticity]``), with ρ the seeded bistable initial states
(:func:`mgnet.models.culture.initial_efficacy`, half UP) and ρ = 1 for the contacts with both
ends in the planted assembly.  Because plasticity is off throughout, the contacts are the
culture's static stochastic contacts (no Ca2+ or ρ bookkeeping): the same network a
plastic culture is during recall (plasticity_on = 0 freezes ρ and q, models/plasticity/),
at a fraction of the cost.  ``planted = false`` runs the same cues on the unplanted
network (the "shuffled" control of the test suite).

Protocol.  ``spontaneous`` seconds of spontaneous activity, then recall
(:func:`mgnet.experiments.memory_encoding.make_recall`): for every cue fraction and trial one
cue of the planted assembly, ``n_sham`` sham cues and one cue per unencoded assembly,
in random order, ``recall_interval`` (3 x the 4-s slow adaptation) plus a random
``recall_jitter`` apart.  A cue is ``cue_pulses`` AMPA kicks of ``stim_weight`` to the cued
cells (at ``pulse_rate``) and one kick of ``cue_inh_weight`` to every interneuron
``cue_inh_delay`` after its onset (feed-forward inhibition).

Read-out (:func:`mgnet.analysis.memory_report.planted_run_metrics`): Q of Luboeinski &
Tetzlaff (2021) and the overlap m over ``recall_window`` after each cue, hit rate, false
activation, ignition (a network burst starts in the window), cues rejected because a
spontaneous network burst overlaps the ``reject_window`` before them; Δf_UP of the
planted and unencoded assemblies and its z-score against 1000 pseudo-assemblies.

Saved (run-file schema 1): ``/spikes/exc``, ``/spikes/inh``; ``/synapses/ee`` with
``pre``, ``post``, ``contact``, ``pr``, ``q_down`` (nS) and ``rho_recall`` (the frozen
efficacies); ``/patterns/members`` (the planted assembly); ``/controls/unencoded_members``;
``/recall/*`` per cue (``kind`` 0 planted / 1 sham / 2 unencoded, ``pattern``,
``cue_fraction``, ``t_cue``, ``source``, ``cued``); ``/protocol/*``; ``/metrics``.

Run: ``mgnet run memory-planted --seed 1000`` (``--scale quick``: seconds);
``[options] planted = false`` for the unplanted network.
"""
from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass

import numpy as np
from brian2 import Hz, ms, nS, second

from mgnet.models.parameters import param

from . import memory_encoding as me
from .experiment import NOISE_STREAM, Experiment, Runs, network_run_fields

NAME = "memory-planted"
#: Parameter sections this experiment reads (others are refused by the config loader).
PARAM_SECTIONS = me.PARAM_SECTIONS
DESCRIPTION = ("positive control of recall: a planted assembly vs sham cues and unencoded "
               "assemblies (science.md §6)")
_R = me.RECALL_DEFAULTS


@dataclass(frozen=True)
class OPTIONS:
    """Options of memory-planted (science.md §6 positive control)."""
    n_neurons: int = param(500, "memory-encoding's default culture (in-degree is "
                           "size-independent, docs/culture.md)", low=50, high=20000,
                           doc="neurons in the culture")
    assembly_fraction: float = param(0.1, "science.md §6: assemblies of ~10 % of E cells",
                                     low=0.01, high=0.5,
                                     doc="fraction of excitatory cells per assembly")
    planted: bool = param(True, "science.md §6: the planted assembly's contacts UP by hand",
                          doc="set the planted assembly's contacts UP (false: the same "
                              "cues on the unplanted network)")
    n_unencoded: int = param(2, "science.md §6: unencoded assemblies as controls",
                             low=0, high=50, doc="unencoded control assemblies")
    n_sham: int = param(1, "science.md §6: sham cues as controls", low=0, high=50,
                        doc="sham cues per cue fraction and trial")
    cue_fractions: tuple = param((0.25, 0.5, 0.75), "issue 14: cue 25/50/75 % of the "
                                 "assembly", doc="fractions of the assembly cued")
    recall_trials: int = param(2, "this project: 2 cues per fraction and kind per seed",
                               low=1, high=100, doc="cues per kind and cue fraction")
    cue_pulses: int = param(_R["cue_pulses"], me.RECALL_SOURCE, low=1, high=20,
                            doc="pulses of a recall cue (at pulse_rate)")
    pulse_rate: object = param(100 * Hz, "science.md §6: 100 Hz", low=1 * Hz,
                               high=500 * Hz, doc="pulse rate within a cue")
    stim_weight: object = param(200 * nS, "memory-encoding: one spike per pulse",
                                low=0 * nS, high=1000 * nS,
                                doc="AMPA conductance kick per pulse and cued neuron")
    cue_inh_weight: object = param(_R["cue_inh_weight"], me.RECALL_SOURCE,
                                   low=0 * nS, high=1000 * nS,
                                   doc="AMPA kick to every interneuron per cue "
                                       "(feed-forward inhibition; 0 = none)")
    cue_inh_delay: object = param(_R["cue_inh_delay"], me.RECALL_SOURCE, low=0 * ms,
                                  high=50 * ms,
                                  doc="delay of the interneuron kick after the cue onset")
    spontaneous: object = param(4 * second, "this project: after the start-up burst",
                                low=0 * second, high=3600 * second,
                                doc="spontaneous activity before the first cue")
    recall_interval: object = param(12 * second, "science.md §6: 3 x tau_w_slow (4 s)",
                                    low=100 * ms, high=600 * second,
                                    doc="minimum interval between cues")
    recall_jitter: object = param(2 * second, "memory-encoding", low=0 * second,
                                  high=600 * second,
                                  doc="uniform random extra interval before each cue")
    recall_window: object = param(_R["recall_window"], me.RECALL_SOURCE, low=1 * ms,
                                  high=2 * second,
                                  doc="rate read-out window after a cue onset (Q and m)")
    reject_window: object = param(500 * ms, "memory-encoding", low=0 * ms,
                                  high=10 * second,
                                  doc="pre-cue window checked for network bursts")
    stream_seed: int = param(-1, "issue 14 item 6 (noise floor)", low=-1,
                             high=2 ** 31 - 1,
                             doc="seed of Brian2's random stream (-1: the structure seed)")
    device: str = param("cpp_standalone", "design.md §5", choices=("cpp_standalone",
                                                                   "runtime"),
                        doc="Brian2 device")


#: quick: the fast test of the default suite (tests/test_memory_planted.py): 400 neurons
#: (the calibrated in-degree), the 50 % cue only, 5 planted and 5 sham cues 1.5 s apart
#: (not beyond slow adaptation: a smoke-scale protocol, compared planted vs unplanted on
#: the same cues).
SCALES = {"quick": {"n_neurons": 400, "cue_fractions": (0.5,), "recall_trials": 5,
                    "n_unencoded": 0, "spontaneous": 1 * second,
                    "recall_interval": 1.5 * second, "recall_jitter": 0.3 * second,
                    "device": "runtime"},
          "default": {},
          "paper": {"n_neurons": 2000, "recall_trials": 5}}


def check_options(opts) -> None:
    """Cross-field checks (one-line ConfigError messages)."""
    from .config import ConfigError
    if float(opts.recall_interval) <= float(opts.recall_window) + float(opts.reject_window):
        raise ConfigError("options.recall_interval must exceed options.recall_window + "
                          "options.reject_window")
    if not opts.cue_fractions or any(not 0 < float(c) < 1 for c in opts.cue_fractions):
        raise ConfigError("options.cue_fractions must be fractions in (0, 1)")
    n_exc = round(0.8 * opts.n_neurons)
    if round(opts.assembly_fraction * n_exc) < 4:
        raise ConfigError("options.assembly_fraction leaves fewer than 4 neurons per "
                          "assembly at this n_neurons")


@dataclass(frozen=True)
class PlantedSchedule:
    members: np.ndarray         #: (1, n_exc) the planted assembly
    unencoded: np.ndarray       #: (U, n_exc)
    sources: list               #: cue source -> excitatory targets
    stim_i: np.ndarray
    stim_t: np.ndarray
    recall: dict
    t_spont: float
    t_end: float


def make_schedule(opts, n_exc: int, seed: int) -> PlantedSchedule:
    """The planted assembly, the unencoded assemblies and the cues, from the seed."""
    rng = np.random.default_rng(np.random.SeedSequence([int(seed), 0x706C616E]))
    M = int(round(opts.assembly_fraction * n_exc))
    members, order = me.draw_assemblies(rng, 1, n_exc, M)
    unenc, unenc_order = me.draw_assemblies(rng, int(opts.n_unencoded), n_exc, M)
    t_spont = float(opts.spontaneous)
    sources, stim_i, stim_t, recall, t_end = me.make_recall(
        rng, opts, members, order, unenc, unenc_order,
        t_spont - float(opts.recall_interval), 0)
    return PlantedSchedule(members, unenc, sources, stim_i, stim_t, recall, t_spont, t_end)


def planted_efficacy(structure, plasticity, members) -> tuple[np.ndarray, np.ndarray]:
    """Seeded efficacies ρ of every E->E contact and the same with ρ = 1 for the
    contacts whose both ends are in ``members`` (1-D or (P, n_exc))."""
    from mgnet.models.culture import initial_efficacy
    ee = structure.pathways["ee"]
    rho0 = initial_efficacy(structure, plasticity)
    m = np.atleast_2d(np.asarray(members, bool))
    inside = np.any(m[:, ee.pre] & m[:, ee.post], axis=0)
    rho = rho0.copy()
    rho[inside] = 1.0
    return rho0, rho


class _Planted:
    """The culture with frozen plastic-contact weights, the cues and their feed-forward
    inhibition, built once per structure seed (standalone: compiled once, planted or not
    and the condition through ``run_args``)."""

    def __init__(self, cfg, progress):
        # The simulation session (mgnet.models.backend): closed by close(), or here if the
        # build fails.
        self.session = None
        try:
            self._build(cfg, progress)
        except BaseException:
            self.close()
            raise

    def _build(self, cfg, progress):
        from brian2 import SpikeGeneratorGroup, Synapses

        from mgnet.models.backend import simulation_session
        from mgnet.models.culture import build_culture, culture_structure, structural_signature
        self.cfg, self.opts = cfg, cfg.options
        opts = self.opts
        p = cfg.params
        self.culture = p.culture
        self.structure = culture_structure(opts.n_neurons, self.culture, p.configuration,
                                           seed=cfg.seed, e_l=p.neuron.e_l)
        self.schedule = sch = make_schedule(opts, self.structure.n_exc, cfg.seed)
        self.device = opts.device
        # planted and cue_inh_weight reach the project through run_args
        signature = (tuple(np.asarray(a, dtype=np.int64) for a in self.structure.key_arrays()),
                     structural_signature(p, self.culture),
                     repr(dataclasses.replace(opts, device="-", planted=True,
                                              cue_inh_weight=0 * nS)),
                     int(cfg.seed), "planted-v1")
        self.session = simulation_session(self.device, "planted", signature,
                                          seed=me.stream_seed(cfg))
        self.session.__enter__()
        self.directory = self.session.directory
        self.cult = cult = build_culture(opts.n_neurons, p, self.culture, seed=cfg.seed,
                                         structure=self.structure, spine_ca=())
        stim = SpikeGeneratorGroup(max(1, len(sch.sources)), sch.stim_i,
                                   sch.stim_t * second, name="stimulus")
        src = np.concatenate([np.full(len(t), k) for k, t in enumerate(sch.sources)])
        tgt = np.concatenate(sch.sources)
        stim_syn = Synapses(stim, cult.exc, on_pre=me.STIM_ON_PRE,
                            namespace={"w_stim": opts.stim_weight}, name="stimulus_syn")
        stim_syn.connect(i=src, j=tgt)
        cult.net.add(stim, stim_syn)
        self.cue_inh = me.add_cue_inhibition(cult.net, cult.inh, sch.recall["t_cue"], opts,
                                             variable=True)
        self.session.prepare(cult.net, self._simulate, progress=progress)

    def _simulate(self):
        self.cult.net.run(self.schedule.t_end * second, namespace={})

    def quantal_sizes(self, params, planted: bool) -> np.ndarray:
        """E->E AMPA quantal sizes (nS): q_down (1 + (b − 1) ρ), planted or seeded ρ."""
        from mgnet.models.culture import contact_values, plastic_quantal_sizes
        q = contact_values(self.structure, params, self.culture)["ee"].q_nS
        rho0, rho_pl = planted_efficacy(self.structure, params.plasticity,
                                        self.schedule.members)
        return plastic_quantal_sizes(q, rho_pl if planted else rho0, params.plasticity)

    def run(self, params, planted: bool, cue_inh_weight) -> dict:
        t0 = time.time()
        ee = self.cult.synapses["ee"]
        q_down, q = self.quantal_sizes(params, planted)
        qvar = ee.variables["q"]
        assignments = [(v, x) for v, x in self.cult._assignments(params, self.culture)
                       if getattr(v, "variable", None) is not qvar]
        assignments.append((ee.q, q * nS))
        if self.cue_inh:
            assignments.append((self.cue_inh[1].w_cue_inh, cue_inh_weight))
        self.session.run(assignments, self._simulate)
        self.cult.check_finite()
        return {"spikes": self.cult.spike_data(), "q_down": q_down,
                "run_s": time.time() - t0}

    def close(self):
        if self.session is not None:
            self.session.close()


def run(cfg, progress=None):
    """The planted-assembly control at the configured condition; return RunData."""
    (data,) = run_group([cfg], progress)
    return data


def check_group(cfgs) -> None:
    """Configs that can share one build: same seed, structure and options up to
    ``planted`` and ``cue_inh_weight`` (run_args)."""
    from mgnet.models.culture import structural_signature
    cfg0 = cfgs[0]
    sig = structural_signature(cfg0.params, cfg0.params.culture)
    strip = dict(planted=True, cue_inh_weight=0 * nS)
    for c in cfgs[1:]:
        if (dataclasses.replace(c.options, **strip)
                != dataclasses.replace(cfg0.options, **strip) or c.seed != cfg0.seed
                or structural_signature(c.params, c.params.culture) != sig):
            raise ValueError("run_group needs configs with equal options (up to planted "
                             "and cue_inh_weight), seed and network structure")


def run_group(cfgs, progress=None):
    """Several conditions (or planted / unplanted, or feed-forward inhibition
    strengths) on one structure seed: one build, one simulation each."""
    check_group(cfgs)
    t0 = time.time()
    net = _Planted(cfgs[0], progress)
    build_s = time.time() - t0
    try:
        for k, cfg in enumerate(cfgs):
            if progress:
                progress(f"simulating {cfg.condition}", (k + 0.05) / len(cfgs))
            res = net.run(cfg.params, bool(cfg.options.planted), cfg.options.cue_inh_weight)
            yield _run_data(cfg, net, res, build_s)
    finally:
        net.close()


def _run_data(cfg, net, res, build_s):
    from brian2 import mM

    from mgnet.analysis.memory_report import planted_run_metrics
    from mgnet.analysis.run_file import RunData
    from mgnet.models.culture import contact_values
    sch, st, opts = net.schedule, net.structure, cfg.options
    ee = st.pathways["ee"]
    pr = contact_values(st, cfg.params, net.culture)["ee"].pr
    rho0, rho_pl = planted_efficacy(st, cfg.params.plasticity, sch.members)
    n_exc = st.n_exc
    cued = np.zeros((len(sch.recall["t_cue"]), n_exc), dtype=bool)
    for k, s in enumerate(sch.recall["source"]):
        cued[k, sch.sources[s]] = True
    table = {"pre": ee.pre.astype(np.int64), "post": ee.post.astype(np.int64),
             "contact": ee.contact.astype(np.int64), "pr": np.asarray(pr, float),
             "q_down": np.asarray(res["q_down"], float),
             "rho_recall": (rho_pl if opts.planted else rho0).astype(np.float32)}
    recall = dict(sch.recall, cued=cued)
    protocol = {"spontaneous": {"t_start": 0.0, "t_stop": sch.t_spont, "plasticity": False},
                "recall": {"t_start": sch.t_spont, "t_stop": sch.t_end, "plasticity": False}}
    units = {"/synapses/ee/q_down": "nS", "/recall/source": "1", "/recall/cued": "1",
             "/recall/kind": "1", "/controls/unencoded_members": "1"}
    data = RunData(**network_run_fields(net.device, res["spikes"]),
                   synapses={"ee": table}, protocol=protocol, patterns=sch.members,
                   recall=recall,
                   arrays={"/controls/unencoded_members":
                           np.asarray(sch.unencoded, bool).reshape(-1, n_exc)},
                   units=units, metrics={})
    info = {"plasticity_b": float(cfg.params.plasticity.b),
            "mg_o_mM": float(cfg.params.magnesium.mg_o / mM),
            "mg_i_mM": float(cfg.params.magnesium.mg_i / mM),
            "n_exc": int(n_exc), "n_inh": int(st.n_inh), "n_contacts_ee": int(ee.n_contacts),
            "planted": bool(opts.planted), "build_s": float(build_s),
            "run_s": float(res["run_s"]), "recall_window_s": float(opts.recall_window),
            "reject_window_s": float(opts.reject_window),
            "cue_inh_weight_nS": float(opts.cue_inh_weight / nS),
            "cue_pulses": int(opts.cue_pulses),
            "stim_weight_nS": float(opts.stim_weight / nS),
            "stream_seed": int(me.stream_seed(cfg)), "simulated_s": float(sch.t_end)}
    data.metrics = dict(info)
    data.metrics = dict(planted_run_metrics(data), **info)
    return data


EXPERIMENT = Experiment(
    name=NAME, order=120, description=DESCRIPTION, options=OPTIONS, run=run, scales=SCALES,
    param_sections=PARAM_SECTIONS, check_options=check_options, run_group=run_group,
    # The positive control of the recall read-out (science.md §6, issue 14) at baseline;
    # its protocol was chosen on seeds 1000-1004 (experiments/calibrate_planted.py), these
    # are others; and its noise floor on another release random stream.
    reproduce=(Runs(("baseline",), (0, 1, 2, 3, 4)),
               Runs(("baseline",), (0, 1, 2, 3, 4), {"stream_seed": NOISE_STREAM})),
    quick_trim=True)
