"""memory-encoding: does the culture encode new memories better at elevated Mg2+?

Prediction T10/T11 of science.md §3 (protocol §6; conditions §5).  Nothing here is tuned
to the hypothesis: the result is whatever the mechanisms give.

Protocol, one run = one condition on one structure seed (conditions compared on the same
connectivity, patterns, stimulation schedule and random stream):

1. **spontaneous** period (plasticity on) - the starting weights;
2. **encoding**: ``n_patterns`` cell assemblies, each ``assembly_fraction`` of the
   excitatory cells, are stimulated in interleaved presentations; a presentation is
   ``trains_per_presentation`` trains of ``pulses_per_train`` pulses at ``pulse_rate``
   (science.md §6: "trains of 5 pulses at 100 Hz"), one suprathreshold AMPA conductance
   kick per pulse and member (``stim_weight``); plasticity on;
3. **consolidation** under spontaneous network bursts (plasticity on);
4. **recall** with plasticity off (:func:`make_recall`, shared with memory-planted): a
   fraction (``cue_fractions``) of each assembly is cued with ``cue_pulses`` pulses,
   together with the controls of science.md §6 in the same run: *sham* cues (random
   non-members of the same size, ``n_sham`` per fraction) and *unencoded* assemblies
   (``n_unencoded`` random assemblies that were never presented, cued the same way).
   Each cue also kicks every interneuron once ``cue_inh_delay`` after its onset
   (``cue_inh_weight``: feed-forward inhibition; docs/memory.md "Instrument": without it
   any cue of >= 10 cells ignites a network burst).  Cues are ``recall_interval`` (>= 3 x
   the 4-s slow adaptation) plus a random ``recall_jitter`` apart.  The read-out
   (analysis/memory_report.py :func:`recall_metrics`) is the rate read-out Q of
   Luboeinski & Tetzlaff (2021) and the overlap m over ``recall_window`` after the cue
   onset; cues whose pre-cue window (``reject_window``) overlaps a spontaneous network
   burst are rejected and counted.

The E->E contacts of the culture (:mod:`mgnet.models.culture`) carry the Graupner–Brunel rule
(:mod:`mgnet.models.plasticity`, ``[params.plasticity]``: the default preset of
docs/plasticity.md §6 unless ``preset = NAME`` chooses another) whose
presynaptic Ca2+ scales with the NMDA Ca2+ of each release, so [Mg]o (block) and [Mg]i
(Pr, functional boutons) reach plasticity mechanistically.  The efficacy ρ of every
E->E contact is snapshot once per encoding round (a ``run_regularly`` advances every
contact to the snapshot time with the rule's exact update) until the end of
consolidation.

Saved (run-file schema 1): ``/spikes/exc``, ``/spikes/inh``; ``/synapses/ee`` with
``pre``, ``post``, ``contact``, ``pr``, ``q_down`` (nS) and one ``rho_sNNN`` column per
snapshot; ``/snapshots/t`` and ``/snapshots/phase`` (0 spontaneous, 1 encoding,
2 consolidation); ``/patterns/members`` (pattern x excitatory neuron); ``/recall/*``
per cue (``kind`` 0 stored / 1 sham / 2 unencoded, pattern, cue fraction, cue time,
cued neurons); ``/controls/unencoded_members`` (the unencoded assemblies);
``/stimulation/{start,stop,pattern,presentation}`` (one row per encoding train);
``/protocol/*``;
``/metrics`` from :func:`mgnet.analysis.memory_report.run_metrics` on exactly these arrays.

``stream_seed`` (option) changes Brian2's random stream (release draws, background,
plasticity noise) and nothing else: two runs that differ only in it measure the noise
floor of any comparison (issue 14, item 6).

Metaplasticity (GluN2B up-regulation after hours of lower background load,
:mod:`mgnet.models.metaplasticity`) is *not* applied here: the GluN2B fraction is the default
in every condition (stated in the report).

Modules: the protocol in numpy (assemblies, schedule, recall cues, phase boundaries) is
:mod:`mgnet.experiments.memory_schedule`, the run file :mod:`mgnet.experiments.memory_run_data`;
this module declares the experiment and builds and runs the network (:class:`_Memory`).

Run: ``mgnet run memory-encoding --condition elevated_mg --seed 0``
"""
from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass

import numpy as np
from brian2 import Hz, ms, nS, second

from mgnet.models.parameters import param

from .experiment import CULTURE_CONDITIONS, NOISE_STREAM, Experiment, Runs

# The protocol and the run file live in their own modules; every name stays importable
# from here (memory-capacity, -retention and -planted use them as ``me.NAME``).
from .memory_run_data import PHASE_CODES  # noqa: F401
from .memory_run_data import run_data as _run_data
from .memory_schedule import (  # noqa: F401
    RECALL_KINDS,
    Schedule,
    draw_assemblies,
    make_recall,
    make_schedule,
    phase1_end,
    stream_seed,
)

NAME = "memory-encoding"
#: Parameter sections this experiment reads (others are refused by the config loader).
PARAM_SECTIONS = ("magnesium", "mg_block", "release", "receptors", "spine_ca", "calcium",
                  "neuron", "configuration", "plasticity", "culture")
DESCRIPTION = "encoding, consolidation and cued recall of cell assemblies (T10, T11)"


#: Recall protocol quantities chosen on the planted-assembly control (memory-planted) at
#: ``baseline`` on calibration seeds >= 1000 only (docs/memory.md "Instrument").
RECALL_DEFAULTS = {"cue_pulses": 1, "recall_window": 100 * ms,
                   "cue_inh_weight": 150 * nS, "cue_inh_delay": 2 * ms}
RECALL_SOURCE = ("this project: chosen on the planted-assembly control (memory-planted) at "
                 "baseline on calibration seeds 1000-1004 (experiments/calibrate_planted.py), "
                 "docs/memory.md 'Instrument'")


@dataclass(frozen=True)
class OPTIONS:
    """Options of memory-encoding (protocol of science.md §6)."""
    n_neurons: int = param(500, "this project: 500 keeps 60 paired runs within the "
                           "reproduction budget (in-degree is size-independent, "
                           "docs/culture.md)", low=50, high=20000,
                           doc="neurons in the culture")
    n_patterns: int = param(3, "this project (capacity: memory-capacity)", low=1, high=50,
                            doc="cell assemblies P encoded")
    assembly_fraction: float = param(0.1, "science.md §6: assemblies of ~10 % of E cells",
                                     low=0.01, high=0.5,
                                     doc="fraction of excitatory cells per assembly")
    presentations: int = param(5, "this project: enough rounds to follow the encoding "
                               "curve", low=1, high=100,
                               doc="encoding rounds (each pattern once per round)")
    trains_per_presentation: int = param(3, "this project (theta-burst-like spacing)",
                                         low=1, high=20, doc="trains per presentation")
    pulses_per_train: int = param(5, "science.md §6: trains of 5 pulses", low=1, high=20,
                                  doc="pulses per train")
    pulse_rate: object = param(100 * Hz, "science.md §6: 100 Hz", low=1 * Hz,
                               high=500 * Hz, doc="pulse rate within a train")
    train_interval: object = param(200 * ms, "this project: 5 Hz train onsets "
                                   "(theta-burst stimulation)", low=10 * ms,
                                   high=10 * second, doc="onset-to-onset train interval")
    presentation_interval: object = param(1 * second, "this project: one presentation per "
                                          "second, patterns interleaved", low=10 * ms,
                                          high=60 * second,
                                          doc="onset-to-onset presentation interval")
    stim_weight: object = param(200 * nS, "convention: a suprathreshold stimulus, one spike "
                                "per pulse (tests/test_memory_encoding.py); 50 nS "
                                "(~25 mV) failed on adapted cells",
                                low=0 * nS, high=1000 * nS,
                                doc="AMPA conductance kick per pulse and stimulated neuron")
    spontaneous: object = param(6 * second, "this project: after the start-up transient",
                                low=0 * second, high=3600 * second,
                                doc="spontaneous period before encoding (rounded up to "
                                    "whole encoding rounds)")
    consolidation: object = param(30 * second, "this project: several spontaneous network "
                                  "bursts (memory-retention varies it)",
                                  low=0 * second, high=36000 * second,
                                  doc="consolidation under spontaneous activity (rounded "
                                      "up to whole encoding rounds)")
    cue_fractions: tuple = param((0.25, 0.5, 0.75), "this project: the pattern-completion "
                                 "curve", doc="fractions of each assembly cued at recall")
    cue_pulses: int = param(RECALL_DEFAULTS["cue_pulses"], RECALL_SOURCE, low=1, high=20,
                            doc="pulses of a recall cue (at pulse_rate)")
    recall_trials: int = param(1, "this project: 10 paired seeds give the statistics",
                               low=1, high=100,
                               doc="cues per pattern and cue fraction")
    n_sham: int = param(1, "science.md §6: sham cues are a control in every run",
                        low=0, high=50,
                        doc="sham cues (random non-members of every stored assembly, "
                            "of the cue's size) per cue fraction and trial")
    n_unencoded: int = param(1, "science.md §6: unencoded assemblies are a control in "
                             "every run", low=0, high=50,
                             doc="random assemblies never presented, cued like the "
                                 "stored ones (per cue fraction and trial)")
    recall_interval: object = param(12 * second, "science.md §6: cues spaced beyond slow "
                                    "adaptation; 3 x tau_w_slow (4 s, Masquelier & Deco "
                                    "2013)", low=100 * ms, high=600 * second,
                                    doc="minimum interval between recall cues")
    recall_jitter: object = param(2 * second, "this project: random extra interval so "
                                  "cues do not lock to the inter-burst rhythm",
                                  low=0 * second, high=600 * second,
                                  doc="uniform random extra interval before each cue")
    recall_window: object = param(RECALL_DEFAULTS["recall_window"], RECALL_SOURCE,
                                  low=1 * ms, high=2 * second,
                                  doc="rate read-out window after a cue onset (Q and m)")
    reject_window: object = param(500 * ms, "this project: a cue is rejected when a "
                                  "spontaneous network burst overlaps this pre-cue "
                                  "window (science.md §6)", low=0 * ms, high=10 * second,
                                  doc="pre-cue window checked for network bursts")
    cue_inh_weight: object = param(RECALL_DEFAULTS["cue_inh_weight"], RECALL_SOURCE,
                                   low=0 * nS, high=1000 * nS,
                                   doc="AMPA kick to every interneuron per recall cue "
                                       "(feed-forward inhibition; 0 = none)")
    cue_inh_delay: object = param(RECALL_DEFAULTS["cue_inh_delay"], RECALL_SOURCE +
                                  "; disynaptic feed-forward inhibition lags the "
                                  "afferent excitation by ~2 ms (Pouille & Scanziani "
                                  "2001 Science 293:1159)", low=0 * ms, high=50 * ms,
                                  doc="delay of the interneuron kick after the cue onset")
    glun2b: str = param("acute", "science.md §6: acute = the condition's [Mg]o and [Mg]i "
                        "with the GluN2B fraction of [params.receptors]; chronic = the "
                        "fraction equilibrated to the condition's background NMDA Ca2+ "
                        "load (models/glun2b_chronic.toml, mgnet calibrate-glun2b)",
                        choices=("acute", "chronic"),
                        doc="GluN2B arm of the comparison")
    stream_seed: int = param(-1, "issue 14 item 6: the noise floor (two runs that differ "
                             "only in the release random stream)", low=-1, high=2 ** 31 - 1,
                             doc="seed of Brian2's random stream (-1: the structure seed)")
    device: str = param("cpp_standalone", "design.md §5: compile once per structure, "
                        "conditions through run_args",
                        choices=("cpp_standalone", "runtime"), doc="Brian2 device")


SCALES = {"quick": {"n_neurons": 300, "n_patterns": 2, "presentations": 2,
                    "spontaneous": 2 * second, "consolidation": 4 * second,
                    "cue_fractions": (0.5,), "recall_trials": 1,
                    "recall_interval": 1 * second, "recall_jitter": 0 * second,
                    "device": "runtime"},
          "default": {},
          "paper": {"n_neurons": 2000, "recall_trials": 5, "consolidation": 120 * second}}


def frozen_protocol(options_cls=None, exclude=()) -> dict:
    """The encoding protocol frozen by ``mgnet calibrate-memory`` (baseline, held-out
    seeds; experiments/configs/memory_protocol.toml) as parsed option values, or {} if
    the calibration has not been run.  It is the default and paper scales' protocol (of
    memory-capacity and memory-retention too, ``exclude`` naming the options that those
    experiments vary themselves)."""
    from .calibrate_memory import frozen_options
    from .config import parse_options
    raw = {k: v for k, v in frozen_options().items() if k not in exclude}
    if not raw:
        return {}
    parsed = parse_options(options_cls or OPTIONS, raw)
    return {k: getattr(parsed, k) for k in raw}


for _scale in ("default", "paper"):
    SCALES[_scale] = {**SCALES[_scale], **frozen_protocol()}


def resolve_params(params, opts, condition: str, overrides: dict):
    """The chronic arm: ``options.glun2b = "chronic"`` sets the GluN2B fraction of every
    neuron to the condition's chronic value (:func:`mgnet.models.metaplasticity.chronic_glun2b`);
    a fraction set in ``[params.receptors]`` as well is refused (it would be ignored)."""
    from .config import ConfigError
    if getattr(opts, "glun2b", "acute") != "chronic":
        return params
    if "glun2b_fraction" in overrides.get("receptors", {}):
        raise ConfigError("params.receptors.glun2b_fraction cannot be set together with "
                          "options.glun2b = \"chronic\" (the chronic arm sets it); allowed: "
                          "one of the two")
    from mgnet.models.metaplasticity import chronic_glun2b
    try:
        f = chronic_glun2b(condition)
    except (FileNotFoundError, KeyError) as exc:
        raise ConfigError(f"options.glun2b = \"chronic\": {exc}") from None
    return dataclasses.replace(params, receptors=dataclasses.replace(
        params.receptors, glun2b_fraction=f))


def check_options(opts) -> None:
    """Cross-field checks (one-line ConfigError messages)."""
    from .config import ConfigError
    train = (opts.pulses_per_train - 1) / float(opts.pulse_rate)
    if float(opts.train_interval) <= train:
        raise ConfigError("options.train_interval must exceed a train "
                          f"({train * 1e3:g} ms)")
    pres = (opts.trains_per_presentation - 1) * float(opts.train_interval) + train
    if float(opts.presentation_interval) <= pres:
        raise ConfigError("options.presentation_interval must exceed a presentation "
                          f"({pres:g} s)")
    if float(opts.recall_interval) <= float(opts.recall_window) + float(opts.reject_window):
        raise ConfigError("options.recall_interval must exceed options.recall_window + "
                          "options.reject_window")
    if not opts.cue_fractions or any(not 0 < float(c) < 1 for c in opts.cue_fractions):
        raise ConfigError("options.cue_fractions must be fractions in (0, 1)")
    n_exc = round(0.8 * opts.n_neurons)
    if round(opts.assembly_fraction * n_exc) < 4:
        raise ConfigError("options.assembly_fraction leaves fewer than 4 neurons per "
                          "assembly at this n_neurons")


# --------------------------------------------------------------------------------------
# Network
# --------------------------------------------------------------------------------------
STIM_ON_PRE = "g_ampa_post += w_stim    # suprathreshold stimulus pulse"
CUE_INH_ON_PRE = "g_ampa_post += w_cue_inh    # feed-forward inhibition: interneuron kick"


def add_cue_inhibition(net, inh, t_cues, opts, name="cue_inh", variable=False):
    """Feed-forward inhibition of recall cues: every interneuron gets one AMPA kick of
    ``opts.cue_inh_weight`` ``opts.cue_inh_delay`` after every pulse of every cue (the
    afferent volley of each pulse recruits the feed-forward interneurons).

    Nothing is added when the weight is 0 (unless ``variable``).  With ``variable`` the
    weight is a shared variable ``w_cue_inh`` of the returned synapses (changeable per
    run through ``run_args``).  Returns the added objects (``()`` if none)."""
    from brian2 import SpikeGeneratorGroup, Synapses
    if len(t_cues) == 0 or (float(opts.cue_inh_weight) <= 0 and not variable):
        return ()
    pulses = np.arange(int(opts.cue_pulses)) / float(opts.pulse_rate)
    t = (np.asarray(t_cues, float)[:, None] + pulses[None, :]).ravel()
    t = (t + float(opts.cue_inh_delay)) * second
    gen = SpikeGeneratorGroup(1, np.zeros(len(t), dtype=np.int64), t, name=name)
    if variable:
        syn = Synapses(gen, inh, model="w_cue_inh : siemens (shared)",
                       on_pre=CUE_INH_ON_PRE, name=f"{name}_syn")
    else:
        syn = Synapses(gen, inh, on_pre=CUE_INH_ON_PRE,
                       namespace={"w_cue_inh": opts.cue_inh_weight}, name=f"{name}_syn")
    syn.connect(i=np.zeros(len(inh), dtype=np.int64), j=np.arange(len(inh)))
    if variable:
        syn.w_cue_inh = opts.cue_inh_weight
    net.add(gen, syn)
    return gen, syn


class _Memory:
    """The plastic culture with stimulation and snapshot monitors, built once.

    Also the machinery of the sibling experiments memory-capacity and memory-retention.
    """
    #: False: every stimulus synapse has the weight ``options.stim_weight`` (a constant
    #: of the generated code).  True: a per-synapse variable ``w_stim`` that
    #: :meth:`run` can change per run (memory-capacity switches patterns on and off).
    STIM_WEIGHT_VARIABLE = False

    def __init__(self, cfg, progress):
        # The simulation session (mgnet.models.backend): closed by close(), or here if the
        # build fails, so that a standalone device never stays selected.
        self.session = None
        try:
            self._build(cfg, progress)
        except BaseException:
            self.close()
            raise

    def _build(self, cfg, progress):
        from brian2 import SpikeGeneratorGroup, StateMonitor, Synapses, defaultclock

        from mgnet.models.backend import simulation_session
        from mgnet.models.culture import build_culture, culture_structure, structural_signature
        from mgnet.models.plasticity import advance_code
        self.cfg, self.opts, self.progress = cfg, cfg.options, progress
        opts = self.opts
        self.culture = cfg.params.culture
        # The rule is params.plasticity ([params.plasticity] preset = NAME and overrides).
        self.plasticity = cfg.params.plasticity
        p = cfg.params
        self.structure = culture_structure(opts.n_neurons, self.culture, p.configuration,
                                           seed=cfg.seed, e_l=p.neuron.e_l)
        self.schedule = sch = make_schedule(opts, self.structure.n_exc, cfg.seed)
        self.device = opts.device
        # Options that reach the run only as run_args values (the GluN2B arm) do not
        # change the generated code: both arms of a seed share one build.
        neutral = {k: "-" for k in ("device", "glun2b") if hasattr(opts, k)}
        signature = (tuple(np.asarray(a, dtype=np.int64) for a in self.structure.key_arrays()),
                     structural_signature(p, self.culture), repr(self.plasticity),
                     repr(dataclasses.replace(opts, **neutral)), int(cfg.seed),
                     # other generated code: its own project
                     "stim-weight-variable" if self.STIM_WEIGHT_VARIABLE else "")
        self.session = simulation_session(self.device, "memory", signature,
                                          seed=stream_seed(cfg))
        self.session.__enter__()
        self.directory = self.session.directory
        self.cult = cult = build_culture(opts.n_neurons, p, self.culture, seed=cfg.seed,
                                         structure=self.structure,
                                         plasticity=self.plasticity)
        ee = cult.synapses["ee"]
        stim = SpikeGeneratorGroup(len(sch.source_targets), sch.stim_i, sch.stim_t * second,
                                   name="stimulus")
        src = np.concatenate([np.full(len(t), k) for k, t in enumerate(sch.source_targets)])
        tgt = np.concatenate(sch.source_targets)
        if self.STIM_WEIGHT_VARIABLE:
            # One weight per stimulus synapse, changeable per run (run()'s assignments);
            # synapses are created in the order of (src, tgt), so stim_src labels them.
            stim_syn = Synapses(stim, cult.exc, model="w_stim : siemens",
                                on_pre=STIM_ON_PRE, name="stimulus_syn")
            stim_syn.connect(i=src, j=tgt)
            stim_syn.w_stim = opts.stim_weight
        else:
            stim_syn = Synapses(stim, cult.exc, on_pre=STIM_ON_PRE,
                                namespace={"w_stim": opts.stim_weight}, name="stimulus_syn")
            stim_syn.connect(i=src, j=tgt)
        self.stim_syn, self.stim_src = stim_syn, src
        rp = sch.round_period * second
        ee.run_regularly(advance_code(self.plasticity), dt=rp, when="start",
                         name="ee_snapshot_advance")
        self.snap = StateMonitor(ee, "rho", record=True, dt=rp, when="end",
                                 name="ee_snapshots")
        cult.net.add(stim, stim_syn, self.snap)
        self.cue_inh = add_cue_inhibition(cult.net, cult.inh, sch.recall["t_cue"], opts)
        # Phase 1: spontaneous + encoding + consolidation, plus the few time steps that
        # make the snapshot at t_cons part of it (phase1_end); phase 2: recall, frozen.
        self.t1 = phase1_end(sch.t_cons, sch.round_period, float(defaultclock.dt)) * second
        self.t2 = sch.t_end * second - self.t1
        self.compile = self.session.prepare(cult.net, self._phases, progress=progress)

    def _phases(self):
        from mgnet.models.plasticity import end_plasticity
        ee = self.cult.synapses["ee"]
        end_plasticity(ee, ended=False)
        self.snap.active = True
        self.cult.net.run(self.t1, namespace={})
        # Recall: plasticity frozen to the end of the run, so the contacts' Ca2+ is no
        # longer tracked (the same spikes and rho, less work)
        end_plasticity(ee)
        self.snap.active = False
        self.cult.net.run(self.t2, namespace={})

    def run(self, params, assignments=()) -> dict:
        """Simulate the whole protocol at the condition ``params``.

        ``assignments``: extra ``(variable view, value)`` pairs of this run only, set
        after the restore (runtime) or passed as ``run_args`` (standalone).
        """
        t0 = time.time()
        run_args = self.cult.run_args(params, self.culture)
        run_args.update(dict(assignments))
        self.session.run(run_args, self._phases)
        self.cult.check_finite()
        ee = self.cult.synapses["ee"]
        out = {"spikes": self.cult.spike_data(),
               "rho": np.asarray(self.snap.rho, dtype=np.float32),   # contacts x snapshots
               "snap_t": np.asarray(self.snap.t / second, dtype=float),
               "q_down": np.asarray(ee.q_down / nS, dtype=float),
               "run_s": time.time() - t0}
        return out

    def close(self):
        if self.session is not None:
            self.session.close()


# --------------------------------------------------------------------------------------
# run
# --------------------------------------------------------------------------------------
def run(cfg, progress=None):
    """Encode, consolidate and recall at the configured condition; return RunData."""
    (data,) = run_group([cfg], progress)
    return data


def check_group(cfgs) -> None:
    """Raise ValueError unless ``cfgs`` share options, seed and network structure
    (:func:`mgnet.models.culture.structural_signature`), i.e. can share one build."""
    from mgnet.models.culture import structural_signature
    cfg0 = cfgs[0]
    sig = structural_signature(cfg0.params, cfg0.params.culture)
    for c in cfgs[1:]:
        if (c.options != cfg0.options or c.seed != cfg0.seed
                or structural_signature(c.params, c.params.culture) != sig):
            raise ValueError("run_group needs configs with equal options, seed and "
                             "network structure")


def run_group(cfgs, progress=None):
    """Several conditions on one structure seed: one build, one run each.

    ``cfgs`` share seed and options and differ in the condition (which must leave the
    structure unchanged, :func:`mgnet.models.culture.structural_signature`); yields each
    condition's RunData as soon as it is simulated.
    """
    check_group(cfgs)
    cfg0 = cfgs[0]
    t0 = time.time()
    mem = _Memory(cfg0, progress)
    build_s = time.time() - t0
    try:
        for k, cfg in enumerate(cfgs):
            if progress:
                progress(f"simulating {cfg.condition}", (k + 0.05) / len(cfgs))
            res = mem.run(cfg.params)
            yield _run_data(cfg, mem, res, build_s)
    finally:
        mem.close()


EXPERIMENT = Experiment(
    name=NAME, order=90, description=DESCRIPTION, options=OPTIONS, run=run, scales=SCALES,
    param_sections=PARAM_SECTIONS, check_options=check_options,
    resolve_params=resolve_params, run_group=run_group,
    reproduce=(
        # T10, T11 (science.md §6): >= 10 paired seeds, every condition, and the ablation
        # in which the block acts on the membrane current but not on the plasticity Ca2+
        # (issue 14); the protocol is the frozen one of calibrate-memory.
        Runs(CULTURE_CONDITIONS + ("elevated_mg_membrane_block_only",), tuple(range(10))),
        # The noise floor (issue 14 item 6): the same baseline runs on another release
        # random stream, analysed as if they were two conditions
        # (analysis/memory_report.py ``noise_floor_section``).
        Runs(("baseline",), (0, 1, 2, 3, 4), {"stream_seed": NOISE_STREAM}),
        # The chronic arm (science.md §6): the GluN2B fraction equilibrated to each
        # condition's background NMDA Ca2+ load (models/glun2b_chronic.toml).
        Runs(CULTURE_CONDITIONS, tuple(range(10)), {"glun2b": "chronic"})),
    # 5.5 min per seed, 6 conditions (2026-11-27)
    task_minutes=5.5, quick_trim=True)
