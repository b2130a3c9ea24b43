"""Work left out where nothing can read it (issue 18), with the same results.

* ``end_plasticity``: once plasticity is frozen for the rest of a run (the memory
  experiments' recall), the contacts' plasticity Ca2+ is no longer tracked: the release
  pathway skips it and the delayed Ca2+ and bAP pathways are off.  Against freezing with
  ``plasticity_on = 0`` alone (Ca2+ still tracked), every quantity the network reads
  afterwards is identical: rho, q, the release state (u, avail: the same random draws)
  and every conductance the releases add to the targets; the Ca2+ state itself is stale
  (which shows the work was skipped).
* The time loop of standalone projects (template ``network.cpp``) reads the CPU clock
  once per run instead of once per step (Brian2's loop), except where a report function
  or a maximum run time needs it; the standalone test checks identical results.
"""
from __future__ import annotations

import numpy as np
import pytest
from brian2 import ms, nS, second

_STATE = ("rho", "q", "u", "avail")
_TARGET = ("g_ampa", "g_2a_d", "g_2a_r", "g_2b_d", "g_2b_r")


def _two_phases(b, ended: bool, readouts: bool = False):
    """12 contacts (noise on) from 4 presynaptic trains onto two stub targets with their
    own spike trains: 1.5 s with plasticity, then 1.5 s frozen (``end_plasticity`` if
    ``ended``, else ``plasticity_on = 0``)."""
    from mgnet.models.parameters import ShortTermPlasticityParams
    from mgnet.models.plasticity import PlasticityParams, end_plasticity
    from tests.test_plasticity import _plastic, _stub_target
    rng = np.random.default_rng(21)
    tag = f"{int(ended)}{int(readouts)}"
    post = _stub_target(b, [np.sort(rng.uniform(0.05, 2.9, 30)),
                            np.sort(rng.uniform(0.05, 2.9, 45))], 3.0, name=f"lean_stub_{tag}")
    times = [np.unique(np.round(rng.uniform(0.01, 2.9, 70) / 1e-4)) * 1e-4 for _ in range(4)]
    ids = np.concatenate([np.full(len(t), k) for k, t in enumerate(times)])
    pre = b.SpikeGeneratorGroup(4, ids, np.concatenate(times) * second, name=f"lean_pre_{tag}")
    c = _plastic(pre, post, np.repeat(np.arange(4), 3), np.tile([0, 1, 1], 4), pr=0.5,
                 plasticity=PlasticityParams(noise=True),
                 stp=ShortTermPlasticityParams(tau_f=20 * ms, tau_d=300 * ms),
                 rho_init=np.linspace(0.05, 0.95, 12), q=0.5 * nS, readouts=readouts,
                 name=f"lean_c_{tag}")
    net = b.Network(pre, post, c)
    b.seed(4)
    if not readouts:
        end_plasticity(c, ended=False)          # as the memory experiments' first phase
    net.run(1.5 * second)
    rho_mid = np.asarray(c.rho[:]).copy()
    if ended:
        end_plasticity(c)
    else:
        c.plasticity_on = 0
    net.run(1.5 * second)
    out = {k: np.asarray(getattr(c, k)[:], dtype=float).copy() for k in _STATE + ("t_pl",)}
    out.update({k: np.asarray(getattr(post, k)[:], dtype=float).copy() for k in _TARGET})
    return out, rho_mid, c


def test_end_plasticity_changes_nothing_the_network_reads(brian):
    (ended, mid1, c1), (frozen, mid0, _) = (_two_phases(brian, True),
                                            _two_phases(brian, False))
    assert np.abs(mid0 - np.linspace(0.05, 0.95, 12)).max() > 1e-3, "rho must move"
    np.testing.assert_array_equal(mid1, mid0)
    assert frozen["g_ampa"].min() > 0, "releases in both phases"
    for k in _STATE + _TARGET:
        np.testing.assert_array_equal(ended[k], frozen[k], err_msg=k)
    # the Ca2+ bookkeeping was skipped: no contact advanced past the freeze
    assert ended["t_pl"].max() <= 1.5 + 1e-9 < frozen["t_pl"].max()
    assert float(np.asarray(c1.plasticity_on[:]).ravel()[0]) == 0
    assert float(np.asarray(c1.calcium_on[:]).ravel()[0]) == 0
    assert not c1.ca_pre.active and not c1.post.active


def test_end_plasticity_refuses_contacts_with_readouts_and_others(brian):
    from mgnet.models.plasticity import end_plasticity
    _, _, c = _two_phases(brian, False, readouts=True)
    with pytest.raises(ValueError, match="read-outs"):
        end_plasticity(c)
    g = brian.NeuronGroup(1, "v : 1", threshold="v > 1", name="lean_other")
    s = brian.Synapses(g, g, "w : 1", on_pre="v += w", name="lean_other_syn")
    with pytest.raises(ValueError, match="make_plastic_contacts"):
        end_plasticity(s)


def _loop_body(source: str) -> str:
    start = source.index("while(clock && clock->running()")
    return source[start:source.index("Network::_globally_running = false;", start)]


@pytest.mark.parametrize("max_time, reads", [(None, 1), (5.0, 2)])
def test_time_loop_reads_the_clock_only_where_needed(max_time, reads):
    """Our network.cpp: in the loop, the clock is read only in the report branch (and
    per step with a maximum run time); Brian2's reads it at every step."""
    from brian2.devices.cpp_standalone.codeobject import CPPStandaloneCodeObject

    from mgnet.models.backend.code_objects import _code_object_classes
    ours = _code_object_classes()["cpp_standalone", False].templater.network(
        None, None, maximum_run_time=max_time)
    body = _loop_body(ours.cpp_file)
    assert body.count("_elapsed_since(start)") == reads
    assert body.index("if (report_func)") < body.index("_elapsed_since(start)")
    assert "std::clock()" not in body
    assert "_last_run_time = elapsed_realtime;" in ours.cpp_file
    stock = CPPStandaloneCodeObject.templater.network(None, None, maximum_run_time=None)
    assert _loop_body(stock.cpp_file).count("std::clock()") == 2


@pytest.mark.standalone
def test_standalone_time_loop_identical_results(tmp_path):
    """The plastic test network of test_skip_dead_work in cpp_standalone with our time
    loop and with Brian2's: identical arrays, and the two network.cpp differ."""
    from tests.test_skip_dead_work import _standalone_plastic
    on = _standalone_plastic(tmp_path / "loop_on", {"lean_network_loop": True})
    off = _standalone_plastic(tmp_path / "loop_off", {"lean_network_loop": False})
    assert on["n_release"].sum() > 0
    for k in on:
        np.testing.assert_array_equal(on[k], off[k], err_msg=k)
    assert "_elapsed_since" in (tmp_path / "loop_on" / "network.cpp").read_text()
    assert "_elapsed_since" not in (tmp_path / "loop_off" / "network.cpp").read_text()
