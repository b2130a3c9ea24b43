"""GluN2B metaplasticity: closed forms, direction and the fast/slow fixed point."""
import numpy as np
import pytest

from mgnet.models.metaplasticity import advance_glun2b, relax_glun2b, target_glun2b
from mgnet.models.parameters import MetaplasticityParams


def test_target_is_decreasing_hill():
    p = MetaplasticityParams()
    loads = np.linspace(0, 10, 101)
    f = target_glun2b(loads, 1.0, p)
    assert f[0] == pytest.approx(p.f_max)
    assert np.all(np.diff(f) < 0)
    assert target_glun2b(1.0, 1.0, p) == pytest.approx((p.f_min + p.f_max) / 2)
    assert target_glun2b(1e9, 1.0, p) == pytest.approx(p.f_min, abs=1e-6)


def test_advance_is_exact_exponential_relaxation():
    p = MetaplasticityParams()
    tau = float(p.tau_meta)
    f_star = target_glun2b(0.5, 1.0, p)
    # Composing two half steps equals one full step (exact solution, constant load).
    one = advance_glun2b(0.3, 0.5, tau, 1.0, p)
    two = advance_glun2b(advance_glun2b(0.3, 0.5, tau / 2, 1.0, p), 0.5, tau / 2, 1.0, p)
    assert one == pytest.approx(two, rel=1e-12)
    assert one == pytest.approx(f_star + (0.3 - f_star) * np.exp(-1), rel=1e-12)


def test_lower_load_raises_glun2b_over_hours():
    p = MetaplasticityParams()
    f = advance_glun2b(np.full(3, 0.5), np.array([1.0, 0.68, 1.5]), 24 * 3600, 1.0, p)
    assert f[1] > f[0] > f[2]


def test_relax_reaches_self_consistent_fixed_point():
    """With a load that grows with the GluN2B fraction (slower 2B decay, more Ca2+ per
    release: L = L0 (1 + 5 f)), the iteration converges to f = f*(L(f))."""
    p = MetaplasticityParams()
    L0 = 0.2

    def measure(f):
        return L0 * (1 + 5 * f)
    out = relax_glun2b(measure, np.full(4, 0.5), 1.0, 20 * float(p.tau_meta), 200, p)
    f = out["f"][0]
    assert f == pytest.approx(target_glun2b(L0 * (1 + 5 * f), 1.0, p), abs=1e-4)
