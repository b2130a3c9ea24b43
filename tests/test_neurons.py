"""AdEx neurons with AMPA/NMDA/GABA_A: ablations and closed forms.

* NMDA ablation: q_nmda = 0 gives exactly the AMPA-only model (same random stream).
* [Mg]o -> very large removes the NMDA current (B -> 0) while 0.8 mM does not.
* The block evaluated inside Brian2 equals the numpy function (one formula).
* Spine Ca2+ of one release equals its closed form, and vanishes for huge [Mg]o.
"""
import numpy as np
import pytest
from brian2 import mM, ms, mV, nS, second
from scipy.integrate import trapezoid

from mgnet.models.magnesium import nmda_block
from mgnet.models.parameters import MagnesiumParams, ReceptorParams, SpineCalciumParams


def _drive(brian, *, nmda=True, mg_o=0.8 * mM, q_nmda=None, n_contacts=20, seed=3):
    """A Poisson-like presynaptic train onto one neuron; returns v trace and spikes."""
    from mgnet.models.neurons import make_neurons
    from mgnet.models.synapses import make_contacts
    b = brian
    b.seed(seed)
    rng = np.random.default_rng(seed)
    times = np.sort(rng.uniform(0.005, 0.3, 60))
    pre = b.SpikeGeneratorGroup(1, np.zeros(len(times), int), times * second)
    post = make_neurons(1, magnesium=MagnesiumParams(mg_o=mg_o), nmda=nmda)
    c = make_contacts(pre, post, np.zeros(n_contacts, int), np.zeros(n_contacts, int),
                      pr=0.5, q=3.0 * nS, nmda=nmda)
    if q_nmda is not None:
        c.q_nmda = q_nmda
    mon = b.StateMonitor(post, "v", record=0)
    spk = b.SpikeMonitor(post)
    net = b.Network(pre, post, c, mon, spk)
    net.run(0.35 * second)
    return np.asarray(mon.v[0] / mV), np.asarray(spk.t / ms), np.asarray(c.n_release[:])


def test_nmda_off_equals_ampa_only(brian):
    v_ampa, s_ampa, r_ampa = _drive(brian, nmda=False)
    v_zero, s_zero, r_zero = _drive(brian, nmda=True, q_nmda=0 * nS)
    np.testing.assert_array_equal(r_ampa, r_zero)  # same release realisation
    np.testing.assert_allclose(v_zero, v_ampa, atol=1e-9)
    np.testing.assert_array_equal(s_zero, s_ampa)
    assert v_ampa.max() > -65, "the drive must depolarise the neuron for this to mean much"


def test_huge_mg_removes_nmda_current(brian):
    v_ampa, _, _ = _drive(brian, nmda=False)
    v_huge, _, _ = _drive(brian, nmda=True, mg_o=1e6 * mM)
    v_phys, _, _ = _drive(brian, nmda=True, mg_o=0.8 * mM)
    assert np.max(np.abs(v_huge - v_ampa)) < 1e-3
    # Control: at 0.8 mM the NMDA current is present and depolarises further.
    assert np.max(v_phys - v_ampa) > 0.1


def test_block_in_brian_equals_numpy(brian):
    from mgnet.models.neurons import make_neurons
    g = make_neurons(7, magnesium=MagnesiumParams(mg_o=1.2 * mM))
    v = np.linspace(-90, 10, 7) * mV
    g.v = v
    np.testing.assert_allclose(np.asarray(g.mg_block[:]), nmda_block(v, 1.2 * mM), rtol=1e-12)


def test_spine_ca_of_one_release_closed_form(brian):
    """One release at rest: Ca = Pf B(V) (E_Ca-V)/(E_Ca-V_ref) [(1-f) + f kappa_2b w_2b]."""
    from mgnet.models.neurons import make_neurons
    from mgnet.models.synapses import contact_namespace, make_contacts
    b = brian
    rec = ReceptorParams()
    sca = SpineCalciumParams()
    results = {}
    for mg in (0.8, 1.2, 1e6):
        pre = b.SpikeGeneratorGroup(1, [0], [1 * ms])
        mag = MagnesiumParams(mg_o=mg * mM)
        post = make_neurons(1, magnesium=mag)
        c = make_contacts(pre, post, [0], [0], pr=1.0, q=1e-6 * nS, magnesium=mag)
        net = b.Network(pre, post, c)
        net.run(2 * ms)
        assert c.n_release[0] == 1
        # v 1 ms after the release differs from v at the release by the small NMDA
        # EPSP (q is negligible), hence rel=1e-4 below.
        v_rest = post.v[0]
        bv = float(nmda_block(v_rest, mg * mM))
        ns = contact_namespace()
        f = rec.glun2b_fraction
        drive = bv * float((sca.e_ca - v_rest) / (sca.e_ca - sca.v_ref)) * ns["pf_rel"]
        expected_2a = drive * (1 - f)
        expected_2b = drive * f * ns["kappa_2b"] * ns["w_2b_ca"]
        assert c.wca_2a[0] == pytest.approx(expected_2a, rel=1e-4)
        assert c.wca_2b[0] == pytest.approx(expected_2b, rel=1e-4)
        results[mg] = c.wca_2a[0] + c.wca_2b[0]
    assert results[1e6] < 1e-6 * results[0.8]
    # The Mg dependence of NMDA Ca2+ at rest is the block ratio (-32 % near -70 mV).
    assert results[1.2] / results[0.8] == pytest.approx(
        float(nmda_block(-70.6 * mV, 1.2 * mM) / nmda_block(-70.6 * mV, 0.8 * mM)), rel=1e-5)


def test_kappa_is_charge_ratio():
    """kappa_2b = charge of a unit-peak GluN2B conductance / that of GluN2A."""
    from mgnet.models.neurons import nmda_peak_normalisation
    from mgnet.models.synapses import contact_namespace
    rec = ReceptorParams()
    t = np.arange(0, 5.0, 1e-5)

    def charge(td):
        tr = float(rec.tau_nmda_rise)
        g = np.exp(-t / float(td)) - np.exp(-t / tr)
        g /= g.max()
        return trapezoid(g, t)
    ratio = charge(rec.tau_nmda_2b) / charge(rec.tau_nmda_2a)
    assert contact_namespace()["kappa_2b"] == pytest.approx(ratio, rel=1e-3)
    # The normalisation makes the peak exactly 1.
    tr, td = float(rec.tau_nmda_rise), float(rec.tau_nmda_2a)
    g = nmda_peak_normalisation(tr, td) * (np.exp(-t / td) - np.exp(-t / tr))
    assert g.max() == pytest.approx(1.0, abs=1e-6)


def test_adex_rest_and_rheobase(brian):
    """At I = 0 the neuron stays at E_L; a step just above the AdEx rheobase fires
    repetitively, just below it does not once adaptation has built up (rheobase from
    the saddle-node of the steady-state I-V curve with a = 4 nS:
    I_rh = (g_L + a)(V_T - E_L - Delta_T + Delta_T ln(1 + a/g_L)), Touboul 2008).
    Before w has built up (tau_w = 144 ms) the lower no-adaptation rheobase applies,
    so only spikes after 1 s are counted."""
    from mgnet.models.neurons import make_neurons
    from mgnet.models.parameters import NeuronParams
    b = brian
    p = NeuronParams()
    gl, a = p.g_l, p.a
    i_rh = (gl + a) * (p.v_t - p.e_l - p.delta_t + p.delta_t * np.log(1 + float(a / gl)))
    g = make_neurons(3)
    g.I_ext = np.array([0.0, 0.97, 1.03]) * float(i_rh) * b.amp
    spk = b.SpikeMonitor(g)
    net = b.Network(g, spk)
    net.run(3 * second)
    late = np.asarray(spk.t / second) > 1.0
    counts = np.bincount(np.asarray(spk.i)[late], minlength=3)
    assert counts[0] == 0 and counts[1] == 0 and counts[2] > 0, counts
    assert float(g.v[0] / mV) == pytest.approx(float(p.e_l / mV), abs=1e-3)


def test_release_in_spike_step_gives_finite_nonnegative_ca(brian):
    """Synaptic events run between threshold and reset, when v_post holds the AdEx
    runaway value: the spine Ca2+ code clips the potential, so the NMDA transient of
    a release in that step is finite and >= 0 (at E_NMDA the driving force is 0)."""
    from mgnet.models.neurons import make_neurons
    from mgnet.models.synapses import make_contacts
    b = brian
    pre = b.SpikeGeneratorGroup(1, [0], [0 * ms])
    post = make_neurons(1)
    c = make_contacts(pre, post, [0], [0], pr=1.0, q=1e-6 * nS)
    post.v = 30 * mV  # above the cut-off: runaway in the first step, then reset
    spk = b.SpikeMonitor(post)
    net = b.Network(pre, post, c, spk)
    net.run(0.3 * ms)
    assert spk.num_spikes == 1 and c.n_release[0] == 1
    for var in ("wca_2a", "wca_2b", "ca"):
        value = float(getattr(c, var)[0])
        assert np.isfinite(value) and value >= 0, (var, value)


def _standalone_fi(directory, vectorised: bool):
    """Neurons with a range of injected currents and NMDA conductances, one of them
    starting with v = NaN, simulated in a cpp_standalone project; (spike times per
    neuron, final v in mV, generated state-update and threshold code, the spike
    monitor's (i, t) in recorded order).  150 neurons: threshold blocks of 64, 64, 22."""
    import gc

    import brian2

    from mgnet.models.backend import optimisations, standalone_session
    from mgnet.models.neurons import make_neurons
    n = 150
    # Brian2 numbers a code object's name (fi_stateupdater_codeobject_1) while one of
    # that name from an earlier project of this process is still alive (reference
    # cycles live until the garbage collector runs); the file read below has the name.
    gc.collect()
    with optimisations(vectorised_neurons=vectorised), standalone_session(directory):
        g = make_neurons(n, name="fi")
        g.I_ext = np.linspace(0.0, 1.2, n) * brian2.nA
        g.g_2a_d = np.linspace(0.0, 20.0, n) * nS     # NMDA through B(V): the 2nd exp
        g.g_2b_d = np.linspace(20.0, 0.0, n) * nS
        g.v = np.where(np.arange(n) == n - 1, np.nan, -70.6) * mV
        spk = brian2.SpikeMonitor(g, name="fi_spikes")
        brian2.Network(g, spk).run(1 * second, namespace={})
        brian2.get_device().build(run=True, directory=str(directory))
        times = [np.asarray(spk.t[spk.i == k] / ms) for k in range(n)]
        v = np.asarray(g.v / mV)
        order = (np.asarray(spk.i), np.asarray(spk.t / ms))
    code = "".join((directory / "code_objects" / f"fi_{kind}_codeobject.cpp").read_text()
                   for kind in ("stateupdater", "spike_thresholder"))
    return times, v, code, order


def _vector_exp_symbols(directory) -> str | None:
    """Undefined symbols of the compiled state updater that are glibc vector
    functions (``_ZGV...``), or None where this cannot be checked."""
    import platform
    import shutil
    import subprocess
    obj = directory / "code_objects" / "fi_stateupdater_codeobject.o"
    if (platform.machine() != "x86_64" or platform.libc_ver()[0] != "glibc"
            or shutil.which("nm") is None or not obj.exists()):
        return None
    out = subprocess.run(["nm", "-u", str(obj)], capture_output=True, text=True).stdout
    return " ".join(s for s in out.split() if s.startswith("_ZGV"))


@pytest.mark.standalone
def test_vectorised_state_update_equals_the_scalar_loop(tmp_path):
    """The SIMD neuron loop of standalone projects (mgnet.models.backend.vectorise_state_update)
    computes the same arithmetic as Brian2's scalar loop; only glibc's vector exp rounds
    differently (a few ulp).  Deterministic neurons over 1 s: every spike in the same
    time step, final potentials equal to 1e-6 mV, and a NaN potential stays NaN (runaway
    detection relies on it, which is why -ffinite-math-only is not used).  The threshold
    test in SIMD blocks records the same spikes in the same order."""
    t_vec, v_vec, code_vec, order_vec = _standalone_fi(tmp_path / "vec", True)
    t_sca, v_sca, code_sca, order_sca = _standalone_fi(tmp_path / "sca", False)
    assert "#pragma omp simd" in code_vec and "#pragma omp simd" not in code_sca
    # the thresholds in SIMD blocks (threshold_simd): the same events in the same order
    assert "reduction(|:_any)" in code_vec and "_any" not in code_sca
    for a, b in zip(order_vec, order_sca, strict=True):
        np.testing.assert_array_equal(a, b)
    syms = _vector_exp_symbols(tmp_path / "vec")
    if syms is not None:         # x86_64 glibc: the loop calls libmvec's vector exp
        assert "v_exp" in syms and not _vector_exp_symbols(tmp_path / "sca"), syms
    assert sum(len(t) for t in t_sca) > 100, "the drive must make neurons fire"
    for a, b in zip(t_vec, t_sca, strict=True):
        np.testing.assert_array_equal(a, b)
    assert np.isnan(v_vec[-1]) and np.isnan(v_sca[-1])
    np.testing.assert_allclose(v_vec[:-1], v_sca[:-1], rtol=0, atol=1e-6)
