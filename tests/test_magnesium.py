"""NMDA Mg2+ block and the Pr([Mg]i) law against published values and closed forms."""
import numpy as np
import pytest
from brian2 import mM, mV

from mgnet.models.magnesium import BLOCK_EXPR, BLOCK_PRESETS, block_expr, nmda_block, pr_from_mg
from mgnet.models.parameters import MgBlockParams, ReleaseParams


@pytest.mark.parametrize("v, mg, expected, tol", [
    (-65, 1.0, 0.0597, 1e-4),   # science.md §4 check values (Jahr & Stevens 1990)
    (0, 1.0, 0.781, 1e-3),
    (-70, 0.8, 0.055, 1e-3),
    (-70, 1.2, 0.037, 1e-3),
])
def test_jahr_stevens_check_values(v, mg, expected, tol):
    assert abs(float(nmda_block(v * mV, mg * mM)) - expected) < tol


def test_block_closed_form_and_ratio():
    # The ratio of unblocked fractions at -70 mV between 1.2 and 0.8 mM: the "-32 %"
    # of science.md T10 follows from the formula itself.
    b08 = float(nmda_block(-70 * mV, 0.8 * mM))
    b12 = float(nmda_block(-70 * mV, 1.2 * mM))
    assert b12 / b08 - 1 == pytest.approx(-0.321, abs=0.005)
    # Closed form written out independently of the module.
    v = np.linspace(-100, 40, 15)
    ref = 1 / (1 + 1.0 / 3.57 * np.exp(-0.062 * v))
    np.testing.assert_allclose(nmda_block(v * mV, 1 * mM), ref, rtol=1e-12)


def test_block_monotone_in_v_and_mg():
    v = np.linspace(-120, 60, 200) * mV
    for mg in (0.1, 0.8, 1.2, 5.0):
        b = nmda_block(v, mg * mM)
        assert np.all(np.diff(b) > 0), "depolarisation must relieve the block"
        assert np.all((b > 0) & (b <= 1))
    mgs = np.linspace(0.0, 10, 50) * mM
    b = nmda_block(-60 * mV, mgs)
    assert np.all(np.diff(b) < 0), "more Mg must block more"
    assert float(nmda_block(-60 * mV, 0 * mM)) == 1.0


def test_block_vanishes_for_huge_mg():
    assert float(nmda_block(0 * mV, 1e6 * mM)) < 1e-5


def test_bbp_preset_differs_and_matches_its_formula():
    p = MgBlockParams(preset="bbp_2022")
    got = float(nmda_block(-65 * mV, 1 * mM, p))
    assert got == pytest.approx(1 / (1 + 1 / 2.552 * np.exp(-0.0721 * -65)), rel=1e-12)
    assert abs(got - float(nmda_block(-65 * mV, 1 * mM))) > 0.01
    assert set(BLOCK_PRESETS) >= {"jahr_stevens_1990", "bbp_2022"}


def test_inside_block_reduces_current_when_depolarised():
    p = MgBlockParams(inside_block=True)
    v = np.array([-80, -40, 0, 40]) * mV
    out_only = nmda_block(v, 1 * mM)
    both = nmda_block(v, 1 * mM, p, mg_i=0.5 * mM)
    assert np.all(both < out_only)
    # The inside block matters more at depolarised potentials.
    rel = both / out_only
    assert rel[-1] < rel[0]
    # With no intracellular Mg the inside block is inert.
    np.testing.assert_allclose(nmda_block(v, 1 * mM, p, mg_i=0 * mM), out_only)


def test_block_expression_renames_voltage():
    assert "v_post" in block_expr(v="v_post")
    assert block_expr() == BLOCK_EXPR


def test_block_units_checked():
    from brian2 import DimensionMismatchError
    with pytest.raises(DimensionMismatchError):
        nmda_block(-65 * mM, 1 * mM)


def test_pr_power_law():
    c = np.array([0.05, 0.2, 0.6])
    # At the reference [Mg]i Pr equals the competence.
    np.testing.assert_allclose(pr_from_mg(c, 0.5 * mM, 0.5 * mM), c)
    # Doubling [Mg]i with k = 1 halves Pr; k = 2 quarters it.
    np.testing.assert_allclose(pr_from_mg(c, 1.0 * mM, 0.5 * mM), c / 2)
    np.testing.assert_allclose(pr_from_mg(c, 1.0 * mM, 0.5 * mM, ReleaseParams(k=2.0)), c / 4)
    # Capped at pr_max.
    assert pr_from_mg([2.0], 0.5 * mM).max() == ReleaseParams().pr_max
    with pytest.raises(ValueError):
        pr_from_mg([0.1], 0 * mM)
