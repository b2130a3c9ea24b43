"""Shared fixtures: Brian2 in runtime (Cython) mode, quiet, one thread, seeded."""
import os

import pytest

os.environ.setdefault("OMP_NUM_THREADS", "1")


@pytest.fixture
def brian(request):
    """Configure Brian2 runtime mode with a fixed seed; yields the brian2 module.

    Collects garbage first: Brian2 names an unnamed object after the *living* objects
    (``spikegeneratorgroup``, ``spikegeneratorgroup_1``, ...), and those names are
    written into the generated code, so the Cython cache only recognises a network that
    an earlier test compiled if the dead objects of earlier tests are really gone.
    Otherwise the names, and with them the compilations, depend on the test order and
    on when the garbage collector last ran.
    """
    import gc

    import brian2

    from mgnet.models.backend import configure
    gc.collect()
    configure(device="runtime", codegen_target="cython", threads=1, seed=12345)
    brian2.defaultclock.dt = 0.1 * brian2.ms
    yield brian2
    brian2.defaultclock.dt = 0.1 * brian2.ms


def quick_cli_run(tmp_path_factory, experiment: str, seed: int = 1):
    """One quick-scale run of ``experiment`` through the command line (the path
    ``make reproduce`` uses); returns (resolved config, RunData)."""
    from mgnet.analysis.run_file import read_run
    from mgnet.experiments.cli import main
    from mgnet.experiments.config import make_config
    path = tmp_path_factory.mktemp(experiment) / "run.h5"
    rc = main(["run", experiment, "--scale", "quick", "--seed", str(seed),
               "--out", str(path), "--quiet"])
    assert rc == 0
    cfg = make_config(experiment, condition="baseline", seed=seed, scale="quick")
    return cfg, read_run(path)


def followed_pulses(spike_t, spike_i, neurons, pulses, within: float = 0.005):
    """(hits, total): how many (neuron, pulse) pairs have a spike of that neuron within
    ``within`` seconds after the pulse (spike times sorted per neuron)."""
    import numpy as np
    hits = total = 0
    for n in neurons:
        t = spike_t[spike_i == n]
        k = np.searchsorted(t, pulses)
        ok = (k < t.size) & (t[np.minimum(k, t.size - 1)] < pulses + within)
        hits += int(ok.sum())
        total += len(pulses)
    return hits, total
