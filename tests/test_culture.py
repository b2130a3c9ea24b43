"""Culture network (models/culture.py, science.md §4 item 7): structure, configuration,
Mg wiring, reproducibility, ablations and a closed-form check of the background drive.

Fast tests run in runtime (Cython) mode on 200-neuron networks for ~1 s of simulated
time; the 20 000-neuron build and the standalone re-run are marked ``slow`` /
``standalone``.
"""
from __future__ import annotations

import dataclasses

import numpy as np
import pytest

N = 200


@pytest.fixture(scope="module")
def params():
    from mgnet.models.parameters import ModelParams
    return ModelParams()


@pytest.fixture(scope="module")
def culture_params():
    from mgnet.models.parameters import CultureParams
    return CultureParams()


def _culture(c0, **kw):
    from brian2 import Hz, nS, pA
    units = {"bg_rate": Hz, "bg_weight": nS, "b_slow": pA}
    return dataclasses.replace(c0, **{k: (v * units[k] if k in units else v)
                                      for k, v in kw.items()})


def _isolated(c0):
    """No recurrent drive (every quantal size zero), constant background strong enough to
    make each neuron fire on its own (measured ≈ 1.5 Hz E, ≈ 3 Hz I): the neurons are
    independent."""
    return _culture(c0, bg_rate=150.0, bg_weight=18.0, q_ee_scale=0.0, q_inh_scale=0.0,
                    b_slow=20.0, bg_mod_cv=0.0)


# --------------------------------------------------------------------------------------
# Structure (no simulation)
# --------------------------------------------------------------------------------------
def test_structure_200_split_and_contacts(culture_params, params):
    """200 neurons: 160 E / 40 I; in-degree held at p*N_ref = 200 -> all-to-all; contacts
    per connection 1 + Poisson(2): total = n_conn + Poisson(2 n_conn) (5-sigma bound)."""
    from mgnet.models.culture import culture_structure, effective_connection_probability
    st = culture_structure(N, culture_params, params.configuration, seed=3)
    assert (st.n_exc, st.n_inh) == (160, 40)
    assert effective_connection_probability(N, culture_params) == 1.0
    expected_conn = {"ee": 160 * 159, "ei": 160 * 40, "ie": 40 * 160, "ii": 40 * 39}
    lam = culture_params.extra_contacts_mean
    for name, pw in st.pathways.items():
        assert pw.n_connections == expected_conn[name]
        extra = pw.n_contacts - pw.n_connections
        assert abs(extra - lam * pw.n_connections) < 5 * np.sqrt(lam * pw.n_connections)
        # contacts of a connection are numbered 0..k-1 and pairs are unique per contact
        pairs = pw.pre.astype(np.int64) * 100000 + pw.post
        assert len(np.unique(pairs)) == pw.n_connections
        assert len(np.unique(np.stack([pairs, pw.contact]), axis=1).T) == pw.n_contacts
    # no autapses
    for name in ("ee", "ii"):
        pw = st.pathways[name]
        assert not np.any(pw.pre == pw.post)


def test_connection_probability_below_all_to_all(culture_params, params):
    """At p < 1 every ordered pair is connected with probability p (binomial 5 sigma) and
    the in-degree is p*(N_pre) on average."""
    from mgnet.models.culture import culture_structure, effective_connection_probability
    c = dataclasses.replace(culture_params, connection_probability=0.05, reference_size=1000)
    n = 1000
    p = effective_connection_probability(n, c)
    assert p == pytest.approx(0.05)
    st = culture_structure(n, c, params.configuration, seed=1)
    n_pairs = st.n_exc * (st.n_exc - 1)
    k = st.pathways["ee"].n_connections
    assert abs(k - p * n_pairs) < 5 * np.sqrt(n_pairs * p * (1 - p))


def test_structure_is_seeded(culture_params, params):
    from mgnet.models.culture import culture_structure
    a = culture_structure(N, culture_params, params.configuration, seed=5)
    b = culture_structure(N, culture_params, params.configuration, seed=5)
    c = culture_structure(N, culture_params, params.configuration, seed=6)
    for name in a.pathways:
        np.testing.assert_array_equal(a.pathways[name].pre, b.pathways[name].pre)
        np.testing.assert_array_equal(a.pathways[name].post, b.pathways[name].post)
    assert not np.array_equal(a.pathways["ee"].contact, c.pathways["ee"].contact) or \
        a.pathways["ee"].n_contacts != c.pathways["ee"].n_contacts


def test_branches_hold_each_neurons_contacts(culture_params, params):
    """Every branch belongs to one postsynaptic neuron and has about anatomical_density
    boutons per 10 um."""
    from mgnet.models.culture import culture_structure
    st = culture_structure(N, culture_params, params.configuration, seed=2)
    pw = st.pathways["ee"]
    br = pw.branch
    owners = np.full(pw.pop.n_branches, -1)
    owners[br] = pw.post
    # each branch has exactly one owner
    for b in np.unique(br)[:200]:
        assert len(np.unique(pw.post[br == b])) == 1
    density = pw.pop.n_boutons / pw.pop.length_um.sum() * 10
    assert density == pytest.approx(params.configuration.anatomical_density, rel=0.05)


def test_population_from_counts_matches_sample_branches(params):
    """Same distributions as mgnet.models.configuration.sample_branches for the same counts:
    competence median, key-competence correlation and set-point median (tolerances from
    the sampling error of 20 000 boutons / 2000 branches)."""
    from mgnet.models.configuration import population_from_counts, sample_branches
    cfg = params.configuration
    ref = sample_branches(2000, cfg, rng=1)
    counts = np.bincount(ref.branch_id)
    pop, order = population_from_counts(counts, ref.length_um, cfg, np.random.default_rng(2))
    assert pop.n_boutons == ref.n_boutons
    np.testing.assert_array_equal(np.bincount(pop.branch_id), counts)
    assert np.median(pop.competence) == pytest.approx(np.median(ref.competence), rel=0.05)
    rho_a = np.corrcoef(np.log(pop.competence), pop.key)[0, 1]
    rho_b = np.corrcoef(np.log(ref.competence), ref.key)[0, 1]
    assert rho_a == pytest.approx(rho_b, abs=0.03)
    assert np.median(pop.setpoint) == pytest.approx(np.median(ref.setpoint), rel=0.05)
    assert sorted(order) == list(range(pop.n_boutons))


# --------------------------------------------------------------------------------------
# Built network (runtime)
# --------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def built(culture_params, params):
    from brian2 import defaultclock, ms

    from mgnet.models.backend import configure
    from mgnet.models.culture import build_culture
    configure(device="runtime", codegen_target="cython", threads=1, seed=1)
    defaultclock.dt = 0.1 * ms
    return build_culture(N, params, culture_params, seed=4)


def test_build_200_groups_and_contacts(built):
    st = built.structure
    assert len(built.exc) == 160 and len(built.inh) == 40
    for name, syn in built.synapses.items():
        pw = st.pathways[name]
        assert len(syn) == pw.n_contacts
        np.testing.assert_array_equal(np.asarray(syn.i[:]), pw.pre)
        np.testing.assert_array_equal(np.asarray(syn.j[:]), pw.post)


@pytest.mark.parametrize("cond", ["baseline", "elevated_mg", "aged"])
def test_excitatory_pr_is_the_equilibrium_configuration(built, cond, culture_params):
    """U of every E->E and E->I contact equals mgnet.models.configuration.equilibrium_pr at the
    condition's [Mg]i for its bouton (silent boutons: 0); [Mg]o reaches mg_o."""
    from brian2 import mM, nS

    from mgnet.models.configuration import equilibrium_pr
    from mgnet.models.parameters import condition
    p = condition(cond)
    built.set_condition(p, culture_params)
    for name in ("ee", "ei"):
        pw = built.structure.pathways[name]
        pr, _ = equilibrium_pr(pw.pop, float(p.magnesium.mg_i / mM),
                               float(p.magnesium.mg_i_ref / mM), p.release, p.configuration)
        U = np.asarray(built.synapses[name].U[:])
        np.testing.assert_allclose(U, pr[pw.bouton], rtol=0, atol=1e-12)
        assert np.all(U[pr[pw.bouton] == 0] == 0)
        q = np.asarray(built.synapses[name].q[:] / nS)
        scale = culture_params.q_ee_scale * (culture_params.q_ei_scale if name == "ei" else 1)
        np.testing.assert_allclose(q, float(p.receptors.q_ampa / nS) * pw.pop.q_rel[pw.bouton]
                                   * scale, rtol=1e-12)
    for g in (built.exc, built.inh):
        assert float(g.mg_o[:] / mM) == pytest.approx(float(p.magnesium.mg_o / mM))
    inh = np.asarray(built.synapses["ie"].U[:])
    assert np.all(inh == culture_params.pr_inh)
    built.set_condition(condition("baseline"), culture_params)


def test_silent_fraction_matches_t6_calibration(built):
    """The culture's excitatory boutons are the T6-calibrated configuration: inactive
    (Pr = 0) fraction at baseline equals calibration.toml's inactive_fraction_baseline
    (0.513) within sampling error (~3e4 contacts)."""
    import tomllib

    from mgnet.models.parameters import CALIBRATION_FILE, condition
    built.set_condition(condition("baseline"))
    with open(CALIBRATION_FILE, "rb") as fh:
        target = tomllib.load(fh)["achieved"]["inactive_fraction_baseline"]
    U = np.asarray(built.synapses["ee"].U[:])
    assert np.mean(U == 0) == pytest.approx(target, abs=0.02)


def test_elevated_mg_recruits_silent_contacts(built, culture_params):
    """[Mg]i up: fewer silent contacts and lower mean Pr of functional contacts; the change
    of the total Pr equals that of an independent sample_branches population (the
    culture's branches are the configuration model's, only regrouped per neuron)."""
    from brian2 import mM

    from mgnet.models.configuration import equilibrium_pr, sample_branches
    from mgnet.models.parameters import condition
    vals, ref = {}, {}
    pop = sample_branches(3000, condition("baseline").configuration, rng=11)
    for cond in ("baseline", "elevated_mg"):
        p = condition(cond)
        built.set_condition(p, culture_params)
        U = np.asarray(built.synapses["ee"].U[:])
        vals[cond] = (np.mean(U == 0), U[U > 0].mean(), U.sum())
        pr, _ = equilibrium_pr(pop, float(p.magnesium.mg_i / mM), 0.5, p.release,
                               p.configuration)
        ref[cond] = pr.sum()
    built.set_condition(condition("baseline"), culture_params)
    assert vals["elevated_mg"][0] < vals["baseline"][0] - 0.1
    assert vals["elevated_mg"][1] < vals["baseline"][1]
    assert vals["elevated_mg"][2] / vals["baseline"][2] == pytest.approx(
        ref["elevated_mg"] / ref["baseline"], abs=0.05)


def test_mg_o_reaches_the_nmda_block(built):
    """mg_block of the neurons equals the Jahr–Stevens block at their v and [Mg]o."""
    from brian2 import mV

    from mgnet.models.magnesium import nmda_block
    from mgnet.models.parameters import condition
    for cond in ("baseline", "elevated_mg_o_only"):
        p = condition(cond)
        built.set_condition(p)
        v = np.asarray(built.exc.v[:] / mV)
        np.testing.assert_allclose(np.asarray(built.exc.mg_block[:]),
                                   nmda_block(v * mV, p.magnesium.mg_o), rtol=1e-10)
    # science.md §4 item 1 check values, through the network's own variables.
    v_saved = built.exc.v[:]
    built.exc.v = -70 * mV
    built.set_condition(condition("elevated_mg_o_only"))
    assert float(built.exc.mg_block[0]) == pytest.approx(0.037, abs=0.001)
    built.set_condition(condition("baseline"))
    assert float(built.exc.mg_block[0]) == pytest.approx(0.055, abs=0.001)
    built.exc.v = v_saved


def test_plastic_blocks_reach_only_ee(culture_params, params):
    from mgnet.models.backend import configure
    from mgnet.models.culture import build_culture
    configure(device="runtime", seed=1)
    c = build_culture(N, params, culture_params, seed=4,
                      plastic_blocks={"extra_model": "rho : 1",
                                      "extra_on_pre": "rho += release",
                                      "neuron_eqs": "calcium_load : 1"})
    assert "rho" in c.synapses["ee"].variables
    assert "rho" not in c.synapses["ei"].variables
    assert "calcium_load" in c.exc.variables and "calcium_load" not in c.inh.variables
    with pytest.raises(ValueError, match="unknown plastic_blocks"):
        build_culture(N, params, culture_params, seed=4, plastic_blocks={"on_pre": ""})


# --------------------------------------------------------------------------------------
# Simulations (runtime, ~1 s)
# --------------------------------------------------------------------------------------
def _simulate(culture, params, seed=4, duration_s=1.0, sim_seed=7, n=N, spine_ca=()):
    from brian2 import second

    from mgnet.models.culture import simulate_culture
    (r,) = simulate_culture(n, [(params, culture)], seed=seed, duration=duration_s * second,
                            device_name="runtime", sim_seed=sim_seed, spine_ca=spine_ca)
    return r


def test_same_seed_identical_spikes(culture_params, params):
    """Same seeds -> identical spikes, also when the contacts track spine Ca2+ (which
    draws no random numbers and feeds nothing back: an exact ablation)."""
    c = _culture(culture_params, bg_weight=16.0)
    a = _simulate(c, params)
    b = _simulate(c, params, spine_ca=("ee", "ei"))
    n_spk = sum(len(t) for t, _ in a["spikes"].values())
    assert n_spk > 50
    for pop in ("exc", "inh"):
        np.testing.assert_array_equal(a["spikes"][pop][0], b["spikes"][pop][0])
        np.testing.assert_array_equal(a["spikes"][pop][1], b["spikes"][pop][1])
    c2 = _simulate(c, params, sim_seed=8)
    assert not np.array_equal(c2["spikes"]["exc"][0], a["spikes"]["exc"][0])


@pytest.mark.slow
def test_readouts_are_an_exact_ablation_of_the_plastic_culture(culture_params, params):
    """Storing the assay read-outs (release flags and counters, spine Ca2+ state and its
    bAP pathway, c_pre_sum) feeds nothing back and draws no random number: a plastic
    culture with and without them gives identical spikes and the same efficacies (the
    rule's noise makes rho sensitive to any change of the random stream).  Tolerance
    1e-12 on rho: the compiler (-ffast-math) may round the code around the removed
    statements differently (measured: 0.4 % of contacts differ by <= 2e-15).  Two Cython
    compilations of the plastic culture: slow."""
    from brian2 import second

    from mgnet.models.backend import configure
    from mgnet.models.culture import build_culture
    from mgnet.models.parameters import PlasticityParams
    c = _culture(culture_params, bg_weight=16.0)
    out = []
    for readouts in (True, False):
        configure(device="runtime", seed=11)
        cult = build_culture(N, params, c, seed=4, plasticity=PlasticityParams(),
                             readouts=readouts, name_prefix=f"ro{int(readouts)}_")
        ee = cult.synapses["ee"]
        assert ("wca_2a" in ee.variables) is readouts
        assert ("n_release" in ee.variables) is readouts
        cult.net.run(1 * second, namespace={})
        out.append((cult.spike_data(), np.asarray(ee.rho[:]), np.asarray(ee.t_pl[:])))
    (spk_a, rho_a, tpl_a), (spk_b, rho_b, tpl_b) = out
    assert sum(len(t) for t, _ in spk_a.values()) > 50
    assert np.count_nonzero(tpl_a > 0) > 100        # many contacts had Ca2+ events
    for pop in ("exc", "inh"):
        np.testing.assert_array_equal(spk_a[pop][0], spk_b[pop][0])
        np.testing.assert_array_equal(spk_a[pop][1], spk_b[pop][1])
    np.testing.assert_allclose(rho_a, rho_b, rtol=0, atol=1e-12)
    np.testing.assert_array_equal(tpl_a, tpl_b)


def test_no_background_no_drive_stays_silent(culture_params, params):
    """Ablation: background off and subthreshold initial potentials -> not one spike."""
    c = _culture(culture_params, bg_rate=0.0, q_ee_scale=50.0)
    r = _simulate(c, params)
    assert all(len(t) == 0 for t, _ in r["spikes"].values())


def test_background_mean_conductance_campbell(culture_params, params):
    """Campbell's theorem: with the background only, the time-averaged g_ampa of every
    neuron is bg_rate * bg_weight * tau_ampa (exact for the Euler-discretised decay too).
    Tolerance: 5 standard errors of the mean of a shot noise (variance r w^2 tau / 2,
    correlation time tau) over N neurons and T."""
    from brian2 import StateMonitor, ms, nS, second

    from mgnet.models.backend import configure
    from mgnet.models.culture import build_culture
    configure(device="runtime", seed=3)
    c = _culture(culture_params, bg_rate=400.0, bg_weight=1.0, q_ee_scale=0.0,
                 q_inh_scale=0.0, bg_mod_cv=0.0)     # constant rate: Campbell applies
    # The default object names (no name_prefix) are those of the other runtime cultures
    # in this module: the generated code is the same, so the Cython cache is shared.
    cult = build_culture(N, params, c, seed=4)
    mon = StateMonitor(cult.exc, "g_ampa", record=True, dt=1 * ms, name="campbell_mon")
    cult.net.add(mon)
    T = 2.0
    cult.net.run(T * second, namespace={})
    g = np.asarray(mon.g_ampa / nS)[:, 100:]       # drop the first 0.1 s
    r, w, tau = 400.0, 1.0, float(params.receptors.tau_ampa / second)
    expected = r * w * tau
    var = r * w ** 2 * tau / 2
    sem = np.sqrt(var * 2 * tau / (T - 0.1) / g.shape[0])
    assert g.mean() == pytest.approx(expected, abs=5 * sem)


def test_background_modulation_is_an_ou_process_with_the_calibrated_sd(culture_params,
                                                                        params):
    """The shared modulation x(t) of the background rate is Ornstein-Uhlenbeck with
    stationary SD bg_mod_cv and correlation time bg_mod_tau: over 400 correlation times
    the sample SD is within 15 % and the lag-tau autocorrelation within 0.12 of e^-1
    (the sampling SD of both is ~ sqrt(tau/T) ~ 5 %)."""
    from brian2 import StateMonitor, ms, second

    from mgnet.models.backend import configure
    from mgnet.models.culture import build_culture
    configure(device="runtime", seed=5)
    c = dataclasses.replace(_culture(culture_params, bg_rate=0.0, q_ee_scale=0.0,
                                     q_inh_scale=0.0, bg_mod_cv=0.4), bg_mod_tau=5 * ms)
    cult = build_culture(N, params, c, seed=4)
    mod = cult.extra["bg_modulation"]
    mon = StateMonitor(mod, "x", record=0, dt=1 * ms, name="ou_mon")
    cult.net.add(mon)
    cult.net.run(2 * second, namespace={})
    x = np.asarray(mon.x[0])
    assert x.std() == pytest.approx(0.4, rel=0.15)
    lag = 5
    ac = np.corrcoef(x[:-lag], x[lag:])[0, 1]
    assert ac == pytest.approx(np.exp(-1), abs=0.12)


def test_isolated_neurons_fire_like_single_neurons(culture_params, params):
    """With every recurrent quantal size zero, each neuron is driven only by its own
    Poisson background: the mean E rate in the network equals that of independent single
    neurons built directly from make_neurons (b_slow as a namespace constant rather than
    the culture's run_args variable) with the same background.  Counts of adapting
    neurons are sub-Poisson, so a 5-sigma Poisson bound on the difference is
    conservative."""
    from brian2 import Hz, Network, SpikeMonitor, nS, second

    from mgnet.models.backend import configure
    from mgnet.models.neurons import make_neurons
    c = _isolated(culture_params)
    T = 4.0
    r = _simulate(c, params, duration_s=T)
    n_net = len(r["spikes"]["exc"][0])
    configure(device="runtime", seed=11)
    n_ref = 400
    nrn = dataclasses.replace(params.neuron, b_slow=c.b_slow)
    g = make_neurons(n_ref, neuron=nrn, receptors=params.receptors, block=params.mg_block,
                     magnesium=params.magnesium, name="single_ref")
    g.v = params.neuron.e_l
    g.run_regularly(f"g_ampa += {float(c.bg_weight / nS)}*nS*poisson({float(c.bg_rate / Hz)}"
                    f"*Hz*dt)", when="synapses", name="single_ref_bg")
    mon = SpikeMonitor(g, name="single_ref_spikes")
    Network(g, mon).run(T * second, namespace={})
    rate_net = n_net / (r["n_exc"] * T)
    rate_ref = mon.num_spikes / (n_ref * T)
    assert rate_ref > 0.5, "background too weak to test anything"
    se = np.sqrt(rate_net / (r["n_exc"] * T) + rate_ref / (n_ref * T))
    assert abs(rate_net - rate_ref) < 5 * se


def test_runtime_condition_change_is_paired(culture_params, params):
    """simulate_culture: samples on one structure start from the same RNG state, so an
    identical condition twice gives identical spikes (paired comparisons)."""
    from brian2 import second

    from mgnet.models.culture import simulate_culture
    from mgnet.models.parameters import condition
    c = _culture(culture_params, bg_weight=16.0)
    res = simulate_culture(N, [(params, c), (condition("elevated_mg"), c), (params, c)],
                           seed=4, duration=0.5 * second, device_name="runtime")
    np.testing.assert_array_equal(res[0]["spikes"]["exc"][0], res[2]["spikes"]["exc"][0])
    with pytest.raises(ValueError, match="share the structure"):
        simulate_culture(N, [(params, c), (params, dataclasses.replace(c, delay=c.delay * 2))],
                         seed=4, duration=0.1 * second, device_name="runtime")


def test_experiment_quick_run_file(tmp_path):
    """culture-activity through config -> run -> run file: SONATA populations exc/inh,
    burst metrics and band flags in /metrics."""
    from brian2 import nS

    from mgnet.analysis.run_file import read_run
    from mgnet.experiments.cli import run_experiment
    from mgnet.experiments.config import make_config
    from mgnet.experiments.errors import ConfigError
    cfg = make_config("culture-activity", scale="quick",
                      options={"n_neurons": 200, "duration": "2 s", "warmup": "0.5 s"},
                      params={"culture": {"bg_weight": "16 nS"}})
    assert float(cfg.params.culture.bg_weight / nS) == 16.0
    # one route: a network value is a parameter, not an option
    with pytest.raises(ConfigError, match="options.bg_weight"):
        make_config("culture-activity", scale="quick", options={"bg_weight": "16 nS"})
    out = run_experiment(cfg, tmp_path / "c.h5", quiet=True)
    data = read_run(out)
    assert 'bg_weight = "16 nS"' in data.attrs["config_toml"]
    assert set(data.spikes) == {"exc", "inh"}
    assert data.metrics["n_exc"] == 160 and data.metrics["n_inh"] == 40
    for key in ("burst_rate_per_min", "fraction_spikes_in_bursts", "band_ibi_cv_ok",
                "bands_ok", "rate_exc_hz", "n_contacts_ee"):
        assert key in data.metrics
    t, ids = data.spikes["exc"]
    assert np.all((ids >= 0) & (ids < 160)) and np.all(t < 2.0)
    assert data.units["/bursts/start"] == "s"


# --------------------------------------------------------------------------------------
# Slow / standalone
# --------------------------------------------------------------------------------------
@pytest.mark.slow
def test_build_20000(culture_params, params):
    """20 000 neurons build (fixed in-degree: p = 0.01, ~12e6 contacts)."""
    from mgnet.models.backend import configure
    from mgnet.models.culture import build_culture
    configure(device="runtime", seed=1)
    c = build_culture(20000, params, culture_params, seed=1, name_prefix="big_")
    assert len(c.exc) == 16000 and len(c.inh) == 4000
    st = c.structure
    assert st.connection_probability == pytest.approx(0.01)
    k_in = st.pathways["ee"].n_connections / st.n_exc
    assert k_in == pytest.approx(0.01 * (st.n_exc - 1), rel=0.02)


@pytest.mark.standalone
def test_standalone_compile_once_run_args(culture_params, params, tmp_path):
    """cpp_standalone: one compiled project re-run with run_args; identical condition ->
    identical spikes; background off via run_args -> silent."""
    from brian2 import second

    from mgnet.models.culture import simulate_culture
    c = _culture(culture_params, bg_weight=16.0)
    off = _culture(culture_params, bg_rate=0.0)
    res = simulate_culture(N, [(params, c), (params, off), (params, c)], seed=4,
                           duration=0.5 * second, device_name="cpp_standalone",
                           cache_dir=tmp_path)
    assert len(res[0]["spikes"]["exc"][0]) > 0
    assert all(len(t) == 0 for t, _ in res[1]["spikes"].values())
    np.testing.assert_array_equal(res[0]["spikes"]["exc"][0], res[2]["spikes"]["exc"][0])


@pytest.mark.standalone
def test_runtime_and_standalone_fire_at_the_same_rate(culture_params, params, tmp_path):
    """The tests run the culture in runtime (Cython) mode, the experiments in compiled
    cpp_standalone mode with run_args: both must simulate the same model.  With every
    recurrent quantal size zero each neuron is independent, driven by its own Poisson
    background through the full AdEx/receptor equations, so the mean E and I rates of the
    two devices (different random streams) must agree within a 5-sigma Poisson bound
    (counts of adapting neurons are sub-Poisson, so the bound is conservative)."""
    from brian2 import second

    from mgnet.models.culture import simulate_culture
    c = _isolated(culture_params)
    T = 4.0
    rates = {}
    for device in ("runtime", "cpp_standalone"):
        kw = {"cache_dir": tmp_path} if device == "cpp_standalone" else {}
        (r,) = simulate_culture(N, [(params, c)], seed=4, duration=T * second,
                                device_name=device, sim_seed=9, **kw)
        rates[device] = {pop: (len(r["spikes"][pop][0]), r[f"n_{pop}"])
                         for pop in ("exc", "inh")}
    for pop in ("exc", "inh"):
        (k_rt, n), (k_sa, _) = rates["runtime"][pop], rates["cpp_standalone"][pop]
        assert k_rt > 2 * n and k_sa > 2 * n, "background too weak to test anything"
        # Difference of two Poisson counts over the same neuron-time: variance k_rt + k_sa.
        assert abs(k_rt - k_sa) < 5 * np.sqrt(k_rt + k_sa), (pop, k_rt, k_sa)


# --------------------------------------------------------------------------------------
# Plastic E->E contacts: the network gain never enters Ca2+; beta is the fraction DOWN
# --------------------------------------------------------------------------------------
def test_ee_contacts_carry_the_gain_separately_from_their_receptor_content(built,
                                                                           culture_params):
    """q_nmda = q_nmda_ref x (bouton size) x q_ee_scale, and nmda_gain = q_ee_scale, so the
    receptor content q_nmda/(q_nmda_ref nmda_gain) that the NMDA Ca2+ reads is the bouton
    size alone; E->I carries q_ee_scale x q_ei_scale; the tables match [Mg]o."""
    from brian2 import nS

    from mgnet.models.synapses import check_tables
    ee = built.synapses["ee"]
    ref = float(built.params.receptors.q_ampa / nS) * built.params.receptors.nmda_ampa_ratio
    pw = built.structure.pathways["ee"]
    gain = float(np.asarray(ee.nmda_gain[:]).ravel()[0])
    content = np.asarray(ee.q_nmda[:] / nS) / (ref * gain)
    np.testing.assert_allclose(content, pw.pop.q_rel[pw.bouton], rtol=1e-12)
    assert gain == culture_params.q_ee_scale
    check_tables(ee, built.exc)                       # raises on a mismatch


def test_initial_state_puts_a_fraction_beta_down_and_keeps_the_mean_weight(culture_params,
                                                                             params):
    """beta = fraction initially DOWN (Graupner & Brunel): at beta = 0.7, 70 % DOWN within
    a binomial 5-sigma bound; the expected quantal size over the initial states equals
    the calibrated one, q_down (1 + (b - 1)(1 - beta)) = q."""
    from mgnet.models.culture import culture_structure, initial_efficacy, plastic_quantal_sizes
    from mgnet.models.parameters import PlasticityParams
    st = culture_structure(N, culture_params, params.configuration, seed=4)
    for beta in (0.3, 0.7):
        p = PlasticityParams(beta=beta, b=5.0)
        rho = initial_efficacy(st, p)
        n = len(rho)
        down = np.mean(rho == 0)
        assert set(np.unique(rho)) <= {0.0, 1.0}
        assert abs(down - beta) < 5 * np.sqrt(beta * (1 - beta) / n), (beta, down)
        q = np.full(n, 2.0)
        q_down, q_now = plastic_quantal_sizes(q, rho, p)
        np.testing.assert_allclose(q_down * (1 + (p.b - 1) * (1 - beta)), q)
        assert abs(q_now.mean() / 2.0 - 1) < 5 * (p.b - 1) * np.sqrt(
            beta * (1 - beta) / n) / (1 + (p.b - 1) * (1 - beta))


def test_glun2b_fraction_is_a_condition_value_not_a_structure(built, params, culture_params):
    """The GluN2B fraction reaches a compiled project through run_args (so a condition's
    chronic value needs no new build): it does not change the structural signature, it
    is set on both populations by set_condition/run_args, and single values can be
    overridden by name; an unknown name is refused."""
    from mgnet.models.culture import structural_signature
    chronic = dataclasses.replace(params, receptors=dataclasses.replace(
        params.receptors, glun2b_fraction=0.71))
    assert structural_signature(chronic, culture_params) == \
        structural_signature(params, culture_params)
    args = built.run_args(chronic)
    got = {_name(k): v for k, v in args.items()}
    assert got[f"{built.exc.name}.f_2b"] == pytest.approx(0.71)
    assert got[f"{built.inh.name}.f_2b"] == pytest.approx(0.71)
    per_neuron = np.linspace(0.2, 0.8, len(built.exc))
    args = built.run_args(chronic, overrides={f"{built.exc.name}.f_2b": per_neuron})
    got = {_name(k): v for k, v in args.items()}
    np.testing.assert_array_equal(got[f"{built.exc.name}.f_2b"], per_neuron)
    with pytest.raises(KeyError, match="no condition variable"):
        built.run_args(chronic, overrides={"exc.nonsense": 1.0})
    built.set_condition(chronic)
    assert np.allclose(np.asarray(built.exc.f_2b[:]), 0.71)
    built.set_condition(params)
    assert np.allclose(np.asarray(built.exc.f_2b[:]), float(params.receptors.glun2b_fraction))


def _name(target):
    from mgnet.models.culture import _assignment_name
    return _assignment_name(target)


def test_membrane_block_only_ablation_keeps_the_calcium_at_the_baseline_mg(built, params):
    """Condition elevated_mg_membrane_block_only: the neurons' [Mg]o (membrane current) is
    1.2 mM while the contacts' NMDA Ca2+ tables and the [Mg]o their Ca2+ block reads
    (nca_mg_o) stay at the baseline 0.8 mM; the check accepts exactly that pairing, and
    the Ca2+ code reads nca_mg_o, not the neuron's mg_o."""
    from brian2 import mM

    from mgnet.models.nmda_calcium import nmda_ca_on_pre
    from mgnet.models.parameters import condition, nmda_ca_mg_o
    abl = condition("elevated_mg_membrane_block_only")
    assert float(abl.magnesium.mg_o / mM) == pytest.approx(1.2)
    assert float(nmda_ca_mg_o(abl) / mM) == pytest.approx(0.8)
    assert float(nmda_ca_mg_o(condition("elevated_mg")) / mM) == pytest.approx(1.2)
    code = nmda_ca_on_pre(abl.mg_block)
    assert "nca_mg_o" in code and "mg_o_post" not in code
    # a run value, not code: the ablation shares the build of every other condition
    # (the first comparison run failed in run_group on a signature that differed)
    from mgnet.models.culture import structural_signature
    from mgnet.models.parameters import CultureParams
    assert code == nmda_ca_on_pre(condition("elevated_mg").mg_block)
    cul = CultureParams()
    assert structural_signature(abl, cul) == structural_signature(condition("baseline"), cul)
    built.set_condition(abl)
    assert float(built.exc.mg_o[:] / mM) == pytest.approx(1.2)
    assert float(built.synapses["ee"].nca_mg_o[:] / mM) == pytest.approx(0.8)
    built.check_finite()                          # the ablation's pairing is accepted
    built.set_condition(condition("elevated_mg"))
    assert float(built.synapses["ee"].nca_mg_o[:] / mM) == pytest.approx(1.2)
    built.check_finite()
    built.set_condition(params)
