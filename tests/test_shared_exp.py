"""``exp_shared`` (mgnet.models.backend.functions, ``OPTIMISATIONS["shared_exp"]``): the
short-term-plasticity decays of the release pathway, whose C++ implementation remembers
its last two arguments.  It must be ``exp`` bit for bit: checked on the C++ function
alone (repeats, three alternating arguments, NaN, signed zeros, infinities) and on a
plastic network in cpp_standalone with the switch on and off (identical arrays)."""
from __future__ import annotations

import shutil
import subprocess

import numpy as np
import pytest

from mgnet.models.backend import optimisations

_CHECK = r"""
#include <cmath>
#include <cstdio>
#include <cstdint>
#include <cstring>
using namespace std;
%s
static bool same(double a, double b) { return memcmp(&a, &b, sizeof a) == 0; }
int main() {
    const double xs[] = {-0.1, -0.1, -0.1, -2.5, -0.1, -2.5, -2.5, -7.0, -0.1, -2.5,
                         -7.0, -0.1, 0.0, -0.0, 0.0, NAN, NAN, -0.1, INFINITY,
                         -INFINITY, -INFINITY, 1e-300, -1e-300, 700.0, -745.5, -0.1};
    int bad = 0;
    for (double x : xs)
        if (!same(_mgnet_exp_shared(x), exp(x)) && !(isnan(x) && isnan(exp(x)))) {
            printf("exp_shared(%%g) differs\n", x); bad++;
        }
    return bad;
}
"""


def test_namespace_function_follows_the_switch():
    from brian2 import Function

    from mgnet.models.synapses import contact_namespace
    on = contact_namespace()["exp_shared"]
    with optimisations(shared_exp=False):
        off = contact_namespace()["exp_shared"]
    assert isinstance(on, Function) and isinstance(off, Function)
    assert on.implementations["cpp"].name == "_mgnet_exp_shared"
    assert off.implementations["cpp"].name == "exp"       # Brian2's exp: the reference
    assert on.pyfunc(np.array([-0.5]))[0] == np.exp(-0.5)


@pytest.mark.standalone
def test_cpp_function_is_exp_bit_for_bit(tmp_path):
    """The C++ implementation against exp on a sequence that hits and misses both kept
    arguments, with NaN, signed zeros, infinities, subnormal results and overflow; with
    the project's flags (-ffast-math -fno-finite-math-only) and with finite math."""
    from brian2 import prefs

    from mgnet.models.backend.flags import STANDALONE_COMPILE_ARGS, STANDALONE_LINK_ARGS
    from mgnet.models.backend.functions import EXP_SHARED_CPP
    cxx = shutil.which("g++") or shutil.which("c++")
    if cxx is None:
        pytest.skip("no C++ compiler")
    src = tmp_path / "check.cpp"
    src.write_text(_CHECK % EXP_SHARED_CPP)
    flags = [*prefs.codegen.cpp.extra_compile_args_gcc, *STANDALONE_COMPILE_ARGS]
    assert "-ffast-math" in flags
    # the project's flags, and with finite math assumed (bits are compared, not values)
    for extra in ([], ["-ffinite-math-only"]):
        exe = tmp_path / f"check{len(extra)}"
        subprocess.run([cxx, *flags, *extra, str(src), "-o", str(exe),
                        *STANDALONE_LINK_ARGS], check=True)
        r = subprocess.run([str(exe)], capture_output=True, text=True)
        assert r.returncode == 0, (extra, r.stdout)


@pytest.mark.standalone
def test_standalone_identical_results_with_and_without(tmp_path):
    """The plastic test network of test_skip_dead_work (six contacts per presynaptic
    neuron) in cpp_standalone with and without the kept arguments: identical arrays;
    only the 'on' project calls the C++ implementation."""
    from tests.test_skip_dead_work import _standalone_plastic
    on = _standalone_plastic(tmp_path / "on", {"shared_exp": True})
    off = _standalone_plastic(tmp_path / "off", {"shared_exp": False})
    assert on["n_release"].sum() > 0
    for k in on:
        np.testing.assert_array_equal(on[k], off[k], err_msg=k)
    code = {k: "".join(p.read_text() for p in (tmp_path / k / "code_objects").glob(
        "sa_c_pre_codeobject*.cpp")) for k in ("on", "off")}
    assert "_mgnet_exp_shared(" in code["on"]
    assert "_mgnet_exp_shared" not in code["off"]
