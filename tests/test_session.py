"""Issue 16: one simulation session (mgnet.models.backend.StandaloneSession and its runtime
twin RuntimeSession) is the only code that selects Brian2's device, seeds Brian2 and sets
the build flags; a standalone project's cache key follows from its signature and flags;
a rerun with run_args simulates exactly what a fresh build with those values does."""
from __future__ import annotations

import ast
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
#: Code that builds and runs networks (the tests drive Brian2 directly on purpose).
SOURCE_DIRS = ("models", "experiments", "analysis", "src", "benchmarks", "tools")
#: The backend package (models/backend/): the only code allowed to do what the check finds.
BACKEND = "models/backend/"


# ----------------------------------------------------------------------------- one place
def _global_state_calls(tree: ast.AST) -> list[str]:
    """Calls and attributes that set Brian2's device, seed or build flags, or build/run
    a standalone project outside a session."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            f = node.func
            name = f.attr if isinstance(f, ast.Attribute) else getattr(f, "id", None)
            if name in ("set_device", "seed", "reinit"):
                found.append(f"{ast.unparse(f)}() line {node.lineno}")
            if (isinstance(f, ast.Attribute) and f.attr in ("build", "run")
                    and (isinstance(f.value, ast.Call)
                         and ast.unparse(f.value.func).endswith("get_device")
                         or ast.unparse(f.value) in ("device", "brian2.device", "b.device",
                                                     "_dev"))):
                found.append(f"{ast.unparse(f)}() line {node.lineno}")
        elif isinstance(node, ast.Attribute):
            text = ast.unparse(node)
            if (text.startswith(("prefs.devices.cpp_standalone", "prefs.codegen.cpp"))
                    or ".prefs.devices.cpp_standalone" in text
                    or ".prefs.codegen.cpp" in text):
                found.append(f"{text} line {node.lineno}")
        elif isinstance(node, ast.Subscript) and ast.unparse(node.value).endswith("prefs"):
            found.append(f"{ast.unparse(node)} line {node.lineno}")
    return found


def test_only_the_backend_sets_device_seed_and_build_flags():
    offenders = {}
    for d in SOURCE_DIRS:
        for path in sorted((ROOT / d).rglob("*.py")):
            rel = str(path.relative_to(ROOT))
            if rel.startswith(BACKEND):
                continue
            calls = _global_state_calls(ast.parse(path.read_text(encoding="utf-8")))
            if calls:
                offenders[rel] = sorted(set(calls))
    assert offenders == {}
    # and the checker does see them (the backend itself does all of this)
    seen = " ".join(call for path in sorted((ROOT / BACKEND).glob("*.py"))
                    for call in _global_state_calls(ast.parse(path.read_text())))
    for what in ("set_device", "brian2.seed", "dev.reinit", "prefs.devices.cpp_standalone",
                 "get_device().build", "get_device().run"):
        assert what in seen


def test_the_checker_flags_hand_made_sessions():
    code = ("import brian2\nfrom brian2 import set_device, get_device, prefs\n"
            "set_device('cpp_standalone')\nbrian2.seed(1)\n"
            "prefs.codegen.cpp.extra_link_args = ['-ffast-math']\n"
            "get_device().build(run=False)\nbrian2.device.reinit()\n")
    lines = {int(s.rsplit(" line ", 1)[1]) for s in _global_state_calls(ast.parse(code))}
    assert lines == {3, 4, 5, 6, 7}


# ----------------------------------------------------------------------------- cache key
def test_cache_key_follows_signature_and_build_flags(tmp_path, monkeypatch):
    from brian2 import defaultclock, ms

    from mgnet.models.backend import StandaloneSession, flags, optimisations

    sig = (np.arange(5), "params", 3)

    def key(signature=sig, **kw):
        return StandaloneSession("fam", signature, cache_dir=tmp_path, **kw).key

    k0 = key()
    assert k0 == key((np.arange(5), "params", 3))           # identical -> the same
    s = StandaloneSession("fam", sig, cache_dir=tmp_path, seed=4, jobs=7)
    assert s.key == k0                                       # seed/jobs not in the key
    assert s.directory == str(tmp_path / f"fam-{k0}")
    others = {"signature array": key((np.arange(6), "params", 3)),
              "signature dtype": key((np.arange(5, dtype=np.int32), "params", 3)),
              "signature value": key((np.arange(5), "params", 4)),
              "threads": key(threads=2)}
    with optimisations(skip_dead_work=False):
        others["optimisation"] = key()
    monkeypatch.setattr(flags, "STANDALONE_LINK_ARGS", ())     # no -ffast-math
    others["link flags"] = key()
    monkeypatch.undo()
    monkeypatch.setattr(flags, "STANDALONE_COMPILE_ARGS", ("-fopenmp-simd", "-O1"))
    others["compile flags"] = key()
    monkeypatch.undo()
    old_dt = defaultclock.dt
    try:
        defaultclock.dt = 0.05 * ms
        others["dt"] = key()
    finally:
        defaultclock.dt = old_dt
    assert key() == k0                                       # everything restored
    assert k0 not in others.values()
    assert len(set(others.values())) == len(others), others
    # an explicit directory: no key; family names must not contain '-' (warm start)
    assert StandaloneSession(directory=tmp_path / "x").key is None
    with pytest.raises(ValueError, match="family"):
        StandaloneSession("a-b", sig)


def test_simulation_session_refuses_unknown_devices():
    from mgnet.models.backend import RuntimeSession, StandaloneSession, simulation_session
    assert isinstance(simulation_session("runtime", "f", ()), RuntimeSession)
    assert isinstance(simulation_session("cpp_standalone", "f", ()), StandaloneSession)
    with pytest.raises(ValueError, match="allowed: cpp_standalone, runtime"):
        simulation_session("gpu", "f", ())


# ----------------------------------------------------------------------------- reruns
W_BUILD, W_RUN = 0.3, 0.7


def _network(w):
    """Poisson input onto 5 leaky units through synapses that transmit with probability
    1/2 (rand() in the synapse code: the random stream matters); explicit names."""
    from brian2 import Hz, Network, NeuronGroup, PoissonGroup, SpikeMonitor, Synapses, ms
    src = PoissonGroup(20, rates=80 * Hz, name="sess_src")
    tgt = NeuronGroup(5, "dv/dt = -v/(10*ms) : 1", threshold="v > 1", reset="v = 0",
                      method="exact", name="sess_tgt")
    syn = Synapses(src, tgt, "w : 1", on_pre="v_post += w*int(rand() < 0.5)",
                   name="sess_syn")
    syn.connect(True)
    syn.w = w
    mon = SpikeMonitor(tgt, name="sess_mon")
    net = Network(src, tgt, syn, mon)
    return net, syn, mon, lambda: net.run(300 * ms, namespace={"ms": ms})


def _spikes(mon):
    from brian2 import second
    return np.asarray(mon.t / second).copy(), np.asarray(mon.i).copy()


def _same(a, b):
    return np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1])


def test_runtime_session_reruns_reproduce_a_fresh_network(brian):
    """Every run of the runtime twin starts from the stored state with the seed: the same
    spikes as a freshly built network with the assigned value, at every rerun."""
    from mgnet.models.backend import RuntimeSession
    with RuntimeSession("sess", (), seed=21) as session:
        net, syn, mon, simulate = _network(W_BUILD)
        session.prepare(net, simulate)
        runs = []
        for w in (W_RUN, W_BUILD, W_RUN):
            session.run({syn.w: w}, simulate)
            runs.append(_spikes(mon))
    assert len(runs[0][0]) > 10
    assert _same(runs[0], runs[2]) and not _same(runs[0], runs[1])
    del net, syn, mon, simulate
    brian.seed(21)
    net, syn, mon, simulate = _network(W_RUN)
    simulate()
    assert _same(_spikes(mon), runs[0])


@pytest.mark.standalone
def test_standalone_rerun_with_run_args_reproduces_a_fresh_build(tmp_path):
    """A compiled project rerun with run_args (w) gives the same spikes as a fresh build
    made with that w, at every rerun; the device, flags and runtime mode come back."""
    from brian2 import get_device, prefs
    from brian2.devices.cpp_standalone.device import CPPStandaloneDevice

    from mgnet.models.backend import StandaloneSession, simulation_session
    link_before = list(prefs.codegen.cpp.extra_link_args)
    with simulation_session("cpp_standalone", "sess", ("rerun", W_BUILD), seed=5,
                            cache_dir=tmp_path / "a") as session:
        assert isinstance(get_device(), CPPStandaloneDevice)
        assert "-ffast-math" in prefs.codegen.cpp.extra_link_args
        net, syn, mon, simulate = _network(W_BUILD)
        session.prepare(net, simulate)
        reruns = []
        for w in (W_RUN, W_BUILD, W_RUN):
            session.run({syn.w: w})
            reruns.append(_spikes(mon))
        directory = Path(session.directory)
    assert not isinstance(get_device(), CPPStandaloneDevice)
    assert list(prefs.codegen.cpp.extra_link_args) == link_before
    assert not list(directory.glob("results_*"))       # the session's results are gone
    with StandaloneSession(directory=tmp_path / "b" / "fresh", seed=5) as fresh:
        net, syn, mon, simulate = _network(W_RUN)
        fresh.prepare(net, simulate)
        fresh.run()
        built = _spikes(mon)
    assert len(built[0]) > 10
    assert _same(reruns[0], built) and _same(reruns[2], built)
    assert not _same(reruns[1], built)
