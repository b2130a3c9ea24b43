"""Synapse code that skips dead work (mgnet.models.backend: skip_unless gates, region-local
loads and stores, the prefetching pathway template) changes no physics.

* The generators honour the gates exactly as documented (Cython, cpp_standalone), Brian2's
  own classes (the ablation) and the numpy target run every block.
* Skipping the plasticity advance after a failed release or an empty Ca2+ arrival is
  exact: with noise off and no silent contacts (the same random draws), rho is the same
  with and without it, to rounding.
* Silent contacts draw nothing and never release; the others release as the
  Tsodyks-Markram closed form says, with and without the skipping (binomial bounds).
* cpp_standalone: the prefetch changes nothing (identical results); the plastic culture
  fires alike and ends with the same UP fraction with and without the skipping
  (independent realisations, 5 standard errors; slow).
"""
from __future__ import annotations

import numpy as np
import pytest
from brian2 import ms, nS, second

from mgnet.models.backend import optimisations, skip_unless


# ---------------------------------------------------------------------------------
# The gate itself
# ---------------------------------------------------------------------------------
def test_skip_unless_tags_every_statement_and_nests():
    code = skip_unless("a > 0", "x = 1   # one\ny = 2; z = 3\n# a comment only\n"
                       + skip_unless("b", "w = 4", "inner"), "outer")
    lines = code.strip().splitlines()
    assert lines[0].startswith("gate_outer = a > 0")
    assert "@skip_unless" not in lines[0]
    assert lines[1].startswith("x = 1") and lines[1].endswith("@skip_unless(gate_outer) one")
    assert [ln.split("#")[0].strip() for ln in lines[2:4]] == ["y = 2", "z = 3"]
    assert lines[4].startswith("gate_inner = b") and "@skip_unless(gate_outer)" in lines[4]
    assert lines[5].split("#")[1].split() == ["@skip_unless(gate_outer)",
                                              "@skip_unless(gate_inner)"]
    with pytest.raises(ValueError, match="identifier"):
        skip_unless("a", "x = 1", "not a name")


#: z and m are temporaries assigned in gates and read after them (0 where skipped);
#: k is a contact variable written in a gate (its old value where skipped); kk is one
#: that the code writes but never reads (stored back: must keep its old value too).
_GATED = ("z = 0*w\n"
          + skip_unless("w > 0.5", "tmp = 2*w\nx_post += tmp\nz = tmp + 1\nk += 1\nkk = w\n"
                        + skip_unless("w > 0.8", "y_post += 1000*w\nm = 5*w", "inner"),
                        "outer")
          + "y_post += z + m\n")
_W = [0.2, 0.6, 0.9]


def _gated_network(b):
    from mgnet.models.backend import synapse_code_object_class
    g = b.NeuronGroup(3, "x : 1\ny : 1", threshold="t < 0.5*dt", reset="",
                      name="gate_neurons")
    s = b.Synapses(g, g, "w : 1\nk : 1\nkk : 1", on_pre=_GATED, name="gate_syn",
                   codeobj_class=synapse_code_object_class())
    s.connect(i=[0, 1, 2], j=[0, 1, 2])
    s.w = _W
    s.k = 7
    s.kk = -1
    return b.Network(g, s), g, s


def _expected(gated: bool):
    w = np.array(_W)
    run = (w > 0.5) | (not gated)
    inner = (w > 0.8) | (not gated)
    x = np.where(run, 2 * w, 0)
    y = np.where(inner, 1000 * w, 0) + np.where(run, 2 * w + 1, 0) + np.where(inner, 5 * w, 0)
    return x, y, np.where(run, 8.0, 7.0), np.where(run, w, -1.0)


def _check(g, s, gated):
    x, y, k, kk = _expected(gated)
    np.testing.assert_allclose(g.x[:], x, rtol=1e-12)
    np.testing.assert_allclose(g.y[:], y, rtol=1e-12)
    np.testing.assert_array_equal(s.k[:], k)
    np.testing.assert_array_equal(s.kk[:], kk)


@pytest.mark.parametrize("gated", [True, False])
def test_gated_blocks_in_cython(brian, gated):
    """Cython: blocks run only where their gate is non-zero (nested gates too);
    temporaries assigned in a skipped block read 0, contact variables keep their values;
    with skip_dead_work off (Brian2's own generator) every block runs."""
    with optimisations(skip_dead_work=gated):
        net, g, s = _gated_network(brian)
        net.run(brian.defaultclock.dt)
    _check(g, s, gated)


def test_numpy_target_runs_every_block(brian):
    """The numpy target has no gated generator: it runs every block (the reference)."""
    from brian2 import prefs
    prefs.codegen.target = "numpy"
    try:
        net, g, s = _gated_network(brian)
        net.run(brian.defaultclock.dt)
    finally:
        prefs.codegen.target = "cython"
    _check(g, s, gated=False)


def test_a_gated_statement_must_not_be_computed_once_per_step(brian):
    """A gated statement that Brian2 would run once per time step (scalar code) cannot
    be gated: refused (a gate's own scalar condition, e.g. a shared switch, is fine)."""
    from mgnet.models.backend import synapse_code_object_class
    b = brian
    g = b.NeuronGroup(2, "x : 1", threshold="True", reset="", name="gate_scalar_n")
    s = b.Synapses(g, g, "w : 1\non : 1 (shared)",
                   on_pre=skip_unless("w", "c = 2*on\nx_post += c*w", "g"),
                   name="gate_scalar_s", codeobj_class=synapse_code_object_class())
    s.connect(i=[0, 1], j=[0, 1])
    with pytest.raises(Exception, match="scalar"):
        b.Network(g, s).run(b.defaultclock.dt)
    s2 = b.Synapses(g, g, "w : 1\non : 1 (shared)",
                    on_pre=skip_unless("on", "x_post += 2*w", "g"),
                    name="gate_scalar_ok", codeobj_class=synapse_code_object_class())
    s2.connect(i=[0, 1], j=[0, 1])
    s2.w = [1.0, 3.0]
    s2.on = 1
    b.Network(g, s2).run(b.defaultclock.dt)
    np.testing.assert_array_equal(g.x[:], [2.0, 6.0])


# ---------------------------------------------------------------------------------
# Physics unchanged
# ---------------------------------------------------------------------------------
def _plastic_run(b, skip: bool, noise: bool, seed: int = 3):
    """12 contacts from 4 presynaptic trains (Pr 0.4, culture time constants) onto two
    stub neurons with their own spike trains; 3 s."""
    from mgnet.models.parameters import ShortTermPlasticityParams
    from mgnet.models.plasticity import PlasticityParams
    from tests.test_plasticity import _plastic, _stub_target
    rng = np.random.default_rng(11)
    t_end = 3.0
    post = _stub_target(b, [np.sort(rng.uniform(0.05, 2.9, 25)),
                            np.sort(rng.uniform(0.05, 2.9, 40))], t_end,
                        name=f"skip_stub_{int(skip)}{int(noise)}")
    n_pre = 4
    times = [np.unique(np.round(rng.uniform(0.01, 2.9, 60) / 1e-4)) * 1e-4
             for _ in range(n_pre)]
    ids = np.concatenate([np.full(len(t), k) for k, t in enumerate(times)])
    tt = np.concatenate(times)
    with optimisations(skip_dead_work=skip):
        pre = b.SpikeGeneratorGroup(n_pre, ids, tt * second,
                                    name=f"skip_pre_{int(skip)}{int(noise)}")
        i = np.repeat(np.arange(n_pre), 3)
        j = np.tile([0, 1, 1], n_pre)
        p = PlasticityParams(noise=noise)
        c = _plastic(pre, post, i, j, pr=0.4, plasticity=p,
                     stp=ShortTermPlasticityParams(tau_f=20 * ms, tau_d=300 * ms),
                     rho_init=np.linspace(0.05, 0.95, 12), q=0.5 * nS,
                     name=f"skip_c_{int(skip)}{int(noise)}")
        b.seed(seed)
        b.Network(pre, post, c).run(t_end * second)
    from mgnet.models import plasticity as pl
    return c, p, pl


def test_skipping_failed_and_empty_advances_is_exact(brian):
    """Noise off, every contact able to release (the same release draws with and
    without skipping): advancing rho only at releases, non-empty Ca2+ arrivals and
    postsynaptic spikes instead of at every event gives the same rho at the end (the
    advance composes exactly), and q = q_down w(rho) holds."""
    runs = {skip: _plastic_run(brian, skip, noise=False) for skip in (True, False)}
    (c1, p, pl), (c0, _, _) = runs[True], runs[False]
    rho1, rho0 = pl.current_rho(c1, p), pl.current_rho(c0, p)
    assert np.abs(rho0 - np.linspace(0.05, 0.95, 12)).max() > 1e-3, "rho must move"
    np.testing.assert_allclose(rho1, rho0, atol=1e-10)
    # Fewer advances with skipping: some contacts were last advanced earlier.
    assert np.any(np.asarray(c1.t_pl[:]) < np.asarray(c0.t_pl[:]))
    for c in (c1, c0):
        np.testing.assert_allclose(np.asarray(c.q[:]),
                                   np.asarray(c.q_down[:]) * pl.rho_to_weight(c.rho[:], p.b),
                                   rtol=1e-12)


def test_silent_contacts_draw_nothing_and_the_others_release_as_tm_says(brian):
    """200 silent contacts (U = 0) and 200 at U = 0.3 on one 50-spike train at 20 Hz:
    silent ones never release; the others' total release count is within 5 sd of the
    Tsodyks-Markram expectation, with and without skipping (the random streams differ:
    silent contacts draw no random numbers when skipped)."""
    from mgnet.models.neurons import make_neurons
    from mgnet.models.parameters import ShortTermPlasticityParams
    from mgnet.models.synapses import make_contacts, tm_mean_release
    b = brian
    stp = ShortTermPlasticityParams(tau_f=20 * ms, tau_d=300 * ms)
    times = 0.01 + np.arange(50) * 0.05
    expected = tm_mean_release(0.3, np.diff(times), 0.02, 0.3).sum() * 200
    for skip in (True, False):
        with optimisations(skip_dead_work=skip):
            pre = b.SpikeGeneratorGroup(1, np.zeros(len(times), int), times * second,
                                        name=f"silent_pre_{int(skip)}")
            post = make_neurons(1, name=f"silent_post_{int(skip)}")
            c = make_contacts(pre, post, np.zeros(400, int), np.zeros(400, int),
                              pr=np.repeat([0.0, 0.3], 200), q=1e-6 * nS, stp=stp,
                              name=f"silent_c_{int(skip)}")
            c.q_nmda = 1e-6 * nS
            b.seed(5)
            b.Network(pre, post, c).run(2.6 * second)
        n = np.asarray(c.n_release[:])
        assert n[:200].sum() == 0
        assert np.all(np.asarray(c.n_spikes[:]) == 50)
        # Releases of one contact are negatively correlated (depression): the binomial
        # variance bounds the true one.
        sd = np.sqrt(200 * 50 * 0.3 * 0.7)
        assert abs(n[200:].sum() - expected) < 5 * sd, (skip, n[200:].sum(), expected)


# ---------------------------------------------------------------------------------
# cpp_standalone
# ---------------------------------------------------------------------------------
def _standalone_plastic(directory, switches):
    """A small plastic network (culture-like release, noise on) in cpp_standalone."""
    import gc

    import brian2
    gc.collect()        # no living object of an earlier project: unnumbered file names
    from mgnet.models.backend import standalone_session
    from mgnet.models.parameters import ShortTermPlasticityParams
    from mgnet.models.plasticity import PlasticityParams
    from tests.test_plasticity import _plastic, _stub_target
    rng = np.random.default_rng(2)
    with optimisations(**switches), standalone_session(directory):
        b = brian2
        b.defaultclock.dt = 0.1 * ms
        post = _stub_target(b, [np.sort(rng.uniform(0.05, 1.9, 30)) for _ in range(3)],
                            2.0, name="sa_stub")
        n_pre = 20
        times = [np.unique(np.round(rng.uniform(0.01, 1.9, 40) / 1e-4)) * 1e-4
                 for _ in range(n_pre)]
        ids = np.concatenate([np.full(len(t), k) for k, t in enumerate(times)])
        tt = np.concatenate(times)
        pre = b.SpikeGeneratorGroup(n_pre, ids, tt * second, name="sa_pre")
        i = np.repeat(np.arange(n_pre), 6)
        j = np.tile(np.arange(3), 2 * n_pre)
        pr = np.where(np.arange(len(i)) % 3 == 0, 0.0, 0.5)
        c = _plastic(pre, post, i, j, pr=pr, plasticity=PlasticityParams(),
                     stp=ShortTermPlasticityParams(tau_f=20 * ms, tau_d=300 * ms),
                     rho_init=rng.uniform(0, 1, len(i)), q=0.5 * nS, name="sa_c")
        b.seed(8)
        b.Network(pre, post, c).run(2.0 * second)
        from mgnet.models.backend import network_source
        with network_source(b.get_device()):     # the time loop of the package's builds
            b.get_device().build(run=True, directory=str(directory))
        return {k: np.asarray(getattr(c, k)[:], dtype=float).copy()
                for k in ("rho", "c_pl", "t_pl", "q", "n_release")}


@pytest.mark.standalone
def test_standalone_gates_and_prefetch(tmp_path):
    """cpp_standalone: the gated C++ gives the documented semantics, and prefetching the
    postsynaptic pathway's contacts changes no result (identical arrays)."""
    import brian2

    from mgnet.models.backend import standalone_session
    d = tmp_path / "gates"
    with standalone_session(d):
        net, g, s = _gated_network(brian2)
        net.run(brian2.defaultclock.dt)
        brian2.get_device().build(run=True, directory=str(d))
        _check(g, s, gated=True)
    on = _standalone_plastic(tmp_path / "pf_on", {"prefetch_post": True})
    off = _standalone_plastic(tmp_path / "pf_off", {"prefetch_post": False})
    assert on["n_release"].sum() > 0
    for k in on:
        np.testing.assert_array_equal(on[k], off[k], err_msg=k)
    assert "__builtin_prefetch" in (tmp_path / "pf_on" / "code_objects"
                                    / "sa_c_post_codeobject.cpp").read_text()


@pytest.mark.slow
@pytest.mark.standalone
def test_plastic_culture_alike_with_and_without_skipping(tmp_path):
    """The 500-neuron plastic culture, with every optimisation and with skip_dead_work
    off (another random stream: fewer random draws): 12 independent 10-s realisations
    each (a random seed at every run of one compiled binary).  The mean E rate, the
    network bursts and the final UP fraction of the E->E contacts agree within 5
    standard errors of their difference.  About 5 minutes."""
    import brian2

    from mgnet.analysis.bursts import detect_network_bursts
    from mgnet.models.backend import standalone_session
    from mgnet.models.culture import build_culture
    from mgnet.models.parameters import CultureParams, condition
    from mgnet.models.plasticity import current_rho
    K, T = 12, 10.0
    params = condition("baseline")
    out = {}
    for skip in (True, False):
        d = tmp_path / f"s{int(skip)}"
        with optimisations(skip_dead_work=skip), standalone_session(d):
            brian2.seed()               # a new random seed at every run of the binary
            cult = build_culture(500, params, CultureParams(), seed=1,
                                 plasticity=params.plasticity)
            cult.net.run(T * second, namespace={})
            brian2.get_device().build(run=False, directory=str(d))
            rows = []
            for k in range(K):
                brian2.get_device().run(results_directory=f"res_{k}")
                t, i = cult.spike_data()["exc"]
                n = cult.structure.n_exc
                rho = current_rho(cult.synapses["ee"], params.plasticity, t=T)
                rows.append((len(t) / (n * T), len(detect_network_bursts(t, i, n, 0.0, T)),
                             float(np.mean(rho > 0.5))))
        out[skip] = np.array(rows)
    for j, what in enumerate(("E rate", "bursts", "UP fraction")):
        a, b = out[True][:, j], out[False][:, j]
        se = np.sqrt(a.var(ddof=1) / K + b.var(ddof=1) / K)
        print(f"{what}: skipping {a.mean():.4f} +- {a.std(ddof=1) / np.sqrt(K):.4f}, "
              f"not {b.mean():.4f} +- {b.std(ddof=1) / np.sqrt(K):.4f} "
              f"({abs(a.mean() - b.mean()) / max(se, 1e-12):.2f} standard errors)")
        assert abs(a.mean() - b.mean()) < 5 * max(se, 1e-12), (what, a.mean(), b.mean(), se)
    assert out[False][:, 0].mean() > 0.5, "the culture must fire for this to mean much"
