"""mgnet.models.backend: warm start of a compile-once project from a sibling, and the build
flags of every standalone session (no compiler)."""
from __future__ import annotations

import os

from mgnet.models.backend import warm_start_project


def _project(path, files, mtime=1_000_000):
    for name, text in files.items():
        f = path / name
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_text(text)
        os.utime(f, (mtime, mtime))


def test_warm_start_copies_code_and_objects_of_the_newest_sibling(tmp_path):
    old = tmp_path / "culture-aaaa"
    new_sib = tmp_path / "culture-bbbb"
    _project(old, {"main": "old", "objects.cpp": "old"}, mtime=1_000_000)
    _project(new_sib, {"main": "bin", "objects.cpp": "src", "objects.o": "obj",
                       "code_objects/x.cpp": "x", "code_objects/x.o": "xo",
                       "static_arrays/_array_ee_i": "data", "results/spikes": "r",
                       "results_12_1/spikes": "r"}, mtime=2_000_000)
    _project(tmp_path / "memory-cccc", {"main": "other family"}, mtime=3_000_000)
    target = tmp_path / "culture-dddd"
    target.mkdir()
    assert warm_start_project(target) == new_sib         # newest of its own family
    assert (target / "objects.o").read_text() == "obj"
    assert (target / "code_objects" / "x.o").read_text() == "xo"
    # modification times kept, so make rebuilds only what the new build rewrites
    assert (target / "code_objects" / "x.cpp").stat().st_mtime == 2_000_000
    # data and results of the sibling are not copied (Brian2 writes its own)
    assert not (target / "static_arrays").exists()
    assert not (target / "results").exists() and not (target / "results_12_1").exists()
    # a project that is already built is left alone
    assert warm_start_project(target) is None


def test_no_sibling_no_warm_start(tmp_path):
    target = tmp_path / "culture-eeee"
    target.mkdir()
    _project(tmp_path / "culture-ffff", {"objects.cpp": "never linked"})  # no main
    assert warm_start_project(target) is None
    assert list(target.iterdir()) == []


def test_build_jobs_bounded_by_the_cores_or_the_environment(monkeypatch):
    """make -j N: N = MGNET_BUILD_JOBS if set (a positive integer), else the cores this
    process may run on, never Brian2's unbounded -j."""
    import os

    import pytest

    from mgnet.models.backend import build_jobs
    monkeypatch.delenv("MGNET_BUILD_JOBS", raising=False)
    assert build_jobs() == len(os.sched_getaffinity(0))
    monkeypatch.setenv("MGNET_BUILD_JOBS", "3")
    assert build_jobs() == 3
    for bad in ("0", "two"):
        monkeypatch.setenv("MGNET_BUILD_JOBS", bad)
        with pytest.raises(ValueError, match="MGNET_BUILD_JOBS"):
            build_jobs()


def test_standalone_session_sets_and_restores_the_build_flags(tmp_path, monkeypatch):
    """Inside the session: cpp_standalone, Brian2's compile flags plus -fopenmp-simd,
    -ffast-math at link time, a bounded make -j; after it: runtime mode and the previous
    preferences (so runtime Cython compilations keep their flags and cache keys)."""
    from brian2 import get_device, prefs
    from brian2.devices.cpp_standalone.device import CPPStandaloneDevice

    from mgnet.models.backend import standalone_session
    monkeypatch.setenv("MGNET_BUILD_JOBS", "2")
    before = {k: list(prefs[k]) for k in ("codegen.cpp.extra_compile_args_gcc",
                                          "codegen.cpp.extra_link_args",
                                          "devices.cpp_standalone.extra_make_args_unix")}
    with standalone_session(tmp_path / "p"):
        assert isinstance(get_device(), CPPStandaloneDevice)
        assert "-fopenmp-simd" in prefs.codegen.cpp.extra_compile_args_gcc
        assert "-fno-finite-math-only" in prefs.codegen.cpp.extra_compile_args_gcc
        assert "-ffast-math" in prefs.codegen.cpp.extra_link_args
        assert prefs.devices.cpp_standalone.extra_make_args_unix == ["-j2"]
    assert not isinstance(get_device(), CPPStandaloneDevice)
    for k, v in before.items():
        assert list(prefs[k]) == v


def test_apply_assignments_sets_values_and_timed_arrays():
    """Runtime reruns set their run_args-style values through apply_assignments (a plain
    function: a decorator slip once turned it into an inert context manager)."""
    import numpy as np
    from brian2 import NeuronGroup, TimedArray, ms, mV

    from mgnet.models.backend import apply_assignments
    g = NeuronGroup(3, "v : volt", name="apply_assignments_probe")
    ta = TimedArray(np.zeros(4), dt=1 * ms)
    assert apply_assignments([(g.v, 2 * mV), (ta, [1.0, 2.0, 3.0, 4.0])]) is None
    assert np.allclose(np.asarray(g.v[:] / mV), 2.0)
    assert np.allclose(ta.values, [1.0, 2.0, 3.0, 4.0])
