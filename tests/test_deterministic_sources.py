"""A standalone project's generated sources do not depend on the process.

Brian2 orders some statements by iterating over sets of objects (the clocks of a run,
the arrays a ``Synapses`` resizes; Jinja's ``sort`` ignores case, so ``u`` and ``U`` tie),
so the same network used to give another ``main.cpp`` and other synapse-creation code in
every process, and a project built again by another process recompiled them
(``mgnet.models.backend.canonical_main_queue`` and the case-sensitive ``sort`` of the
project's templater).  Two processes with different hash seeds generate the sources of
one plastic network (contacts with ``u`` and ``U``, three clocks, two runs) without
compiling; every file must be identical."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

_SCRIPT = r"""
import sys
import numpy as np
import brian2 as b
from brian2 import ms, nS, second
from mgnet.models.backend import canonical_main_queue, network_source, standalone_session
from mgnet.models.plasticity import PlasticityParams, advance_code
from tests.test_plasticity import _plastic, _stub_target

directory = sys.argv[1]
rng = np.random.default_rng(2)
with standalone_session(directory):
    b.defaultclock.dt = 0.1 * ms
    post = _stub_target(b, [np.sort(rng.uniform(0.05, 0.9, 5)) for _ in range(3)], 1.0,
                        name="det_stub")
    pre = b.SpikeGeneratorGroup(4, [0, 1, 2, 3], [0.1, 0.2, 0.3, 0.4] * second,
                                name="det_pre")
    i = np.repeat(np.arange(4), 3)
    j = np.tile(np.arange(3), 4)
    c = _plastic(pre, post, i, j, pr=np.full(len(i), 0.5), plasticity=PlasticityParams(),
                 rho_init=rng.uniform(0, 1, len(i)), q=0.5 * nS, name="det_c")
    c.run_regularly(advance_code(PlasticityParams()), dt=50 * ms, when="start",
                    name="det_advance")
    mon = b.StateMonitor(c, "rho", record=True, dt=100 * ms, name="det_mon")
    net = b.Network(pre, post, c, mon)
    net.run(0.5 * second)
    net.run(0.5 * second)
    dev = b.get_device()
    canonical_main_queue(dev.main_queue)
    with network_source(dev):
        dev.build(compile=False, run=False, directory=directory)
"""


def _generate(directory: Path, hash_seed: int) -> dict:
    env = dict(os.environ, PYTHONHASHSEED=str(hash_seed), OMP_NUM_THREADS="1")
    subprocess.run([sys.executable, "-c", _SCRIPT, str(directory)], check=True, env=env,
                   cwd=Path(__file__).resolve().parent.parent)
    return {p.relative_to(directory).as_posix(): p.read_bytes()
            for p in directory.rglob("*") if p.is_file()
            and p.suffix in (".cpp", ".h") and "brianlib" not in p.parts}


def test_generated_sources_do_not_depend_on_the_process(tmp_path):
    a = _generate(tmp_path / "a", 1)
    b = _generate(tmp_path / "b", 2)
    assert "main.cpp" in a and any("create_array" in k for k in a)
    assert sorted(a) == sorted(b)
    differ = [k for k in a if a[k] != b[k]]
    assert not differ, f"generated differently in two processes: {differ}"


def test_canonical_main_queue_sorts_only_runs_of_single_values_stably():
    """Runs of consecutive single-value assignments are sorted by array name; an
    array assigned twice keeps its order (the last value wins as before), and no
    assignment crosses another kind of statement."""
    from mgnet.models.backend import canonical_main_queue
    q = [("set_by_single_value", ("_b", 0, "1")), ("set_by_single_value", ("_a", 0, "2")),
         ("set_by_single_value", ("_b", 0, "3")), ("run_network", ("net", [])),
         ("set_by_single_value", ("_z", 0, "4")), ("set_by_single_value", ("_U", 0, "5")),
         ("set_by_single_value", ("_u", 0, "6")), ("seed", 1),
         ("set_by_single_value", ("_c", 0, "7"))]
    canonical_main_queue(q)
    assert [op[1][0] if op[0] == "set_by_single_value" else op[0] for op in q] == [
        "_a", "_b", "_b", "run_network", "_U", "_u", "_z", "seed", "_c"]
    assert [op[1][2] for op in q[:3]] == ["2", "1", "3"]
