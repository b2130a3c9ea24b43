"""Memory metrics of science.md §6 against planted ground truth (mgnet.analysis.memory_metrics)."""

import math

import numpy as np
import pytest

from mgnet.analysis.memory_metrics import (
    active_from_spikes,
    assembly_snr,
    assembly_weight_stats,
    binary_entropy,
    bits_per_synapse,
    capacity,
    capacity_from_trials,
    completion_curve,
    contacts_per_connection,
    false_activation,
    forgetting_curve,
    lifetime,
    presentations_to_criterion,
    recall_latency,
    recall_overlap,
    silent_fraction,
    state_kappa,
    stored_bits_per_synapse,
    trace_lifetime,
    weight_histograms,
)


def random_network(rng, n=400, p=0.2, contacts=1):
    """All ordered pairs connected with probability p, each with ``contacts`` contacts."""
    pre, post = np.nonzero(rng.random((n, n)) < p)
    keep = pre != post
    pre, post = pre[keep], post[keep]
    return np.repeat(pre, contacts), np.repeat(post, contacts)


def planted_assembly(seed, n=400, f=0.1, mu=1.0, sigma=0.2, delta=0.6, mixed=0.0, contacts=1):
    """Weights N(mu, sigma) outside, N(mu + delta, sigma) inside, N(mu + mixed, sigma) for
    synapses with exactly one member end."""
    rng = np.random.default_rng(seed)
    pre, post = random_network(rng, n, contacts=contacts)
    members = np.zeros(n, dtype=bool)
    members[rng.choice(n, int(f * n), replace=False)] = True
    w = rng.normal(mu, sigma, size=pre.size)
    both = members[pre] & members[post]
    one = members[pre] ^ members[post]
    w[both] += delta
    w[one] += mixed
    return w, pre, post, members


# ---------------------------------------------------------------- assembly SNR


def test_assembly_snr_recovers_planted_value():
    sigma, delta = 0.2, 0.6
    snrs = []
    for seed in range(5):
        w, pre, post, members = planted_assembly(seed, sigma=sigma, delta=delta)
        stats = assembly_weight_stats(w, pre, post, members)
        # ~312 in-synapses: SE of the SNR ≈ sqrt(1/312) ≈ 0.06.
        assert stats["snr"] == pytest.approx(delta / sigma, abs=0.25)
        assert stats["n_in"] == np.sum(members[pre] & members[post])
        assert stats["n_in"] + stats["n_out"] == w.size
        snrs.append(stats["snr"])
    assert np.mean(snrs) == pytest.approx(delta / sigma, abs=0.12)
    # No planted signal: SNR ~ 0.
    w, pre, post, members = planted_assembly(9, delta=0.0)
    assert abs(assembly_snr(w, pre, post, members)) < 0.25


def test_assembly_snr_mixed_synapses_flag():
    # Mixed (one-member) synapses potentiated by 0.4 (heterosynaptic spread): they raise
    # <w>out and widen sigma_out when included, and drop out with exclude_mixed=True.
    sigma, delta, mixed = 0.2, 0.6, 0.4
    w, pre, post, members = planted_assembly(3, sigma=sigma, delta=delta, mixed=mixed)
    strict = assembly_snr(w, pre, post, members, exclude_mixed=True)
    assert strict == pytest.approx(delta / sigma, abs=0.25)
    # Expected with mixed included: out mixes N(1, s) (share 1 - q) and N(1.4, s) (share q).
    f = members.mean()
    q = 2 * f * (1 - f) / (1 - f * f)
    mean_out = q * mixed
    sd_out = math.sqrt(sigma**2 + q * (1 - q) * mixed**2)
    expected = (delta - mean_out) / sd_out
    loose = assembly_snr(w, pre, post, members)
    assert loose == pytest.approx(expected, abs=0.25)
    assert abs(loose - strict) > 0.3


def test_assembly_snr_hand_example_and_aggregation():
    # Neurons 0, 1 members. Contacts: (0,1) x2 at 3 and 5, (1,0) at 4, (0,2) at 1, (2,3) at 2,
    # (3,2) at 3.
    pre = np.array([0, 0, 1, 0, 2, 3])
    post = np.array([1, 1, 0, 2, 3, 2])
    w = np.array([3.0, 5.0, 4.0, 1.0, 2.0, 3.0])
    members = np.array([True, True, False, False])
    s = assembly_weight_stats(w, pre, post, members)
    assert s["mean_in"] == pytest.approx(4.0) and s["mean_out"] == pytest.approx(2.0)
    assert s["sd_out"] == pytest.approx(1.0)
    assert s["snr"] == pytest.approx(2.0)
    s = assembly_weight_stats(w, pre, post, members, exclude_mixed=True)
    assert s["mean_out"] == pytest.approx(2.5)
    assert s["snr"] == pytest.approx((4.0 - 2.5) / np.std([2.0, 3.0], ddof=1))
    # Aggregated: connections (0,1)=8, (1,0)=4 in; out unchanged.
    s = assembly_weight_stats(w, pre, post, members, aggregate=True)
    assert s["n_in"] == 2 and s["mean_in"] == pytest.approx(6.0)
    assert s["snr"] == pytest.approx(4.0)
    # Index-array membership is equivalent.
    assert assembly_snr(w, pre, post, np.array([0, 1])) == pytest.approx(2.0)
    # Undefined: no member pairs.
    assert math.isnan(assembly_snr(w, pre, post, np.array([False, False, True, False])))


def test_assembly_snr_aggregate_planted():
    # 3 contacts per connection, each independently N(1 + Δ, σ) or N(1, σ): connection sums
    # have SNR sqrt(3)·Δ/σ.
    sigma, delta, k = 0.2, 0.2, 3
    w, pre, post, members = planted_assembly(4, sigma=sigma, delta=delta, contacts=k)
    assert assembly_snr(w, pre, post, members) == pytest.approx(delta / sigma, abs=0.15)
    agg = assembly_snr(w, pre, post, members, aggregate=True)
    assert agg == pytest.approx(math.sqrt(k) * delta / sigma, abs=0.25)
    assert np.all(contacts_per_connection(pre, post) == k)


# ---------------------------------------------------------------- recall


def test_recall_overlap_perfect_and_hit_minus_false_alarm():
    rng = np.random.default_rng(0)
    n = 500
    members = np.zeros(n, dtype=bool)
    members[rng.choice(n, 50, replace=False)] = True
    cued = np.zeros(n, dtype=bool)
    cued[np.flatnonzero(members)[:20]] = True
    # Perfect recall on the non-cued set gives exactly 1, whatever the cued cells do.
    active = members.copy()
    assert recall_overlap(active, members, cued) == 1.0
    active_cued_off = members & ~cued
    assert recall_overlap(active_cued_off, members, cued) == 1.0
    # Cued cells are excluded: cueing more of the pattern cannot by itself raise m.
    silent = np.zeros(n, dtype=bool)
    assert recall_overlap(silent | cued, members, cued) == 0.0
    # Binary response: m = hit rate − false-alarm rate on the non-cued set.
    active = members.copy()
    target = np.flatnonzero(members & ~cued)
    active[target[:10]] = False  # 20 of 30 non-cued members active
    nonmem = np.flatnonzero(~members)
    active[nonmem[:45]] = True  # 45 of 450 non-members active
    assert recall_overlap(active, members, cued) == pytest.approx(20 / 30 - 45 / 450)
    # All active -> exactly 0; rate vector with a threshold.
    assert recall_overlap(np.ones(n, bool), members, cued) == pytest.approx(0.0, abs=1e-12)
    rates = np.where(members, 20.0, 1.0)
    assert recall_overlap(rates, members, cued, threshold=5.0) == 1.0


def test_recall_overlap_random_activity_is_near_zero():
    rng = np.random.default_rng(1)
    n, reps = 500, 400
    members = np.zeros(n, dtype=bool)
    members[:50] = True
    cued = np.zeros(n, dtype=bool)
    cued[:10] = True
    ms = np.array([recall_overlap(rng.random(n) < 0.3, members, cued) for _ in range(reps)])
    se = ms.std(ddof=1) / math.sqrt(reps)
    assert abs(ms.mean()) < 4 * se
    # The overlaps do vary (s.d. of a hit−false-alarm difference with 40 / 450 cells).
    expected_sd = math.sqrt(0.3 * 0.7 * (1 / 40 + 1 / 450))
    assert ms.std(ddof=1) == pytest.approx(expected_sd, rel=0.15)


def test_recall_overlap_undefined():
    members = np.array([True, True, False, False])
    cued = np.array([True, True, False, False])
    assert math.isnan(recall_overlap(np.ones(4, bool), members, cued))


def test_recall_latency_planted():
    n = 20
    members = np.zeros(n, dtype=bool)
    members[:10] = True
    cued = np.zeros(n, dtype=bool)
    cued[:2] = True  # non-cued members: 2..9 (8 cells)
    cue = 1.0
    # Member k (2..9) first fires at 1.0 + 0.01 * k; distractors: spikes before the cue,
    # cued-cell and non-member spikes right after the cue, repeated member spikes.
    times = [cue + 0.01 * k for k in range(2, 10)] + [0.5, 0.9, 1.001, 1.002, 1.05, 1.06]
    ids = list(range(2, 10)) + [2, 3, 0, 15, 2, 2]
    # 50 % of 8 = 4 cells: the 4th earliest first spike is member 5 at 1.05.
    assert recall_latency(times, ids, members, cued, cue) == pytest.approx(0.05)
    assert recall_latency(times, ids, members, cued, cue, fraction=1.0) == pytest.approx(0.09)
    # 0.3 * 8 = 2.4 -> 3 cells: member 4 at 1.04.
    assert recall_latency(times, ids, members, cued, cue, fraction=0.3) == pytest.approx(0.04)
    # Window ends before enough members fire.
    assert recall_latency(times, ids, members, cued, cue, t_max=1.045) == math.inf
    assert recall_latency([], [], members, cued, cue) == math.inf


def test_false_activation():
    members = np.zeros((3, 10), dtype=bool)
    members[0, 0:3] = True
    members[1, 3:6] = True
    members[2, 5:8] = True
    active = np.zeros(10, dtype=bool)
    active[[0, 1, 3, 8]] = True  # cells 3 (pattern 1) and 8 (no pattern) are false
    assert false_activation(active, members, 0) == pytest.approx(2 / 7)
    # Only cells in no pattern: 8 and 9 -> 1/2.
    assert false_activation(active, members, 0, exclude_other_patterns=True) == 0.5
    assert false_activation(active, members[0], 0) == pytest.approx(2 / 7)
    rates = np.where(active, 10.0, 0.5)
    assert false_activation(rates, members, 0, threshold=1.0) == pytest.approx(2 / 7)


def test_completion_curve():
    cf = [0.5, 0.1, 0.1, 0.5, 0.1, 0.3, 0.5, 0.3]
    ov = [0.9, 0.1, 0.3, 0.7, 0.2, 0.5, np.nan, 0.6]
    c = completion_curve(cf, ov)
    np.testing.assert_allclose(c["cue_fraction"], [0.1, 0.3, 0.5])
    np.testing.assert_allclose(c["median"], [0.2, 0.55, 0.8])
    np.testing.assert_allclose(c["mean"], [0.2, 0.55, 0.8])
    np.testing.assert_array_equal(c["n"], [3, 2, 2])
    assert c["q25"][0] == pytest.approx(0.15) and c["q75"][0] == pytest.approx(0.25)


def test_active_from_spikes():
    times = [0.1, 0.2, 0.25, 0.5, 1.0, 1.5, 0.3]
    ids = [0, 1, 1, 2, 3, 4, 9]
    a = active_from_spikes(times, ids, 5, 0.15, 1.0)
    np.testing.assert_array_equal(a, [False, True, True, False, False])  # [t0, t1); id 9 ignored
    a2 = active_from_spikes(times, ids, 5, 0.0, 2.0, min_spikes=2)
    np.testing.assert_array_equal(a2, [False, True, False, False, False])


# ------------------------------------------------------------ encoding speed, capacity


def test_presentations_to_criterion():
    seq = [0.1, 0.5, 1.2, 0.9, 2.5, 3.0]
    assert presentations_to_criterion(seq, 1.0) == 2
    assert presentations_to_criterion(seq, 1.0, offset=1) == 3
    assert presentations_to_criterion(seq, 1.0, sustained=True) == 4
    assert presentations_to_criterion(seq, 2.5) == 4  # >= criterion
    assert math.isnan(presentations_to_criterion(seq, 5.0))
    assert math.isnan(presentations_to_criterion([0.5, 2.0, 0.5], 1.0, sustained=True))


def test_capacity():
    P = [1, 2, 5, 10, 20, 40]
    med = [0.95, 0.9, 0.8, 0.6, 0.3, 0.1]
    assert capacity(P, med, 0.5) == 10
    # Order of inputs does not matter.
    assert capacity(P[::-1], med[::-1], 0.5) == 10
    assert capacity(P, med, 0.5, interpolate=True) == pytest.approx(10 + (0.1 / 0.3) * 10)
    assert capacity(P, med, 0.99) == 0
    assert capacity(P, med, 0.05) == 40
    # Non-monotone: a noisy pass at P = 40 after failing at 20.
    med2 = [0.95, 0.9, 0.8, 0.6, 0.3, 0.55]
    assert capacity(P, med2, 0.5) == 10
    assert capacity(P, med2, 0.5, contiguous=False) == 40
    assert capacity(P, [0.9, np.nan, 0.9, 0.1, 0.1, 0.1], 0.5) == 1  # NaN is a failure


def test_capacity_from_trials_planted():
    """Single trials scattered around medians that fall below the threshold between
    P = 4 and P = 8: the capacity is 4; the medians are recovered within the scatter."""
    rng = np.random.default_rng(7)
    planted = {1: 0.8, 2: 0.6, 4: 0.35, 8: 0.02, 16: 0.0}
    P_trial, ov = [], []
    for P, m in planted.items():
        n = 3 * P + 5
        P_trial += [P] * n
        ov += list(m + rng.uniform(-0.05, 0.05, n))
    out = capacity_from_trials(P_trial, ov, 0.1)
    assert out["capacity"] == 4
    assert list(out["P"]) == [1, 2, 4, 8, 16]
    assert np.allclose(out["median"], list(planted.values()), atol=0.05)
    assert list(out["n"]) == [3 * P + 5 for P in planted]
    # a P whose trials are all undefined is a failure; order of trials does not matter
    P_trial2 = [1] * 3 + [2] * 3 + [4] * 3
    ov2 = [0.9, 0.8, 0.7, np.nan, np.nan, np.nan, 0.9, 0.9, 0.9]
    assert capacity_from_trials(P_trial2[::-1], ov2[::-1], 0.1)["capacity"] == 1
    # nothing recalled at the smallest P: 0, whatever follows
    assert capacity_from_trials([1, 1, 2, 2], [0.0, 0.05, 0.9, 0.9], 0.1)["capacity"] == 0


# ---------------------------------------------------------------- state retention


@pytest.mark.parametrize("p_up", [0.5, 0.2])
def test_state_kappa_of_planted_switching_gives_its_lifetime(p_up):
    """Each synapse is redrawn (UP with probability p_up) at an exponential time with
    mean tau: the fraction kept is exp(-t/tau), so kappa(t) = exp(-t/tau) for any UP
    fraction and the trace lifetime (kappa < 1/e) is tau.  n = 50000: SE(kappa) < 0.01,
    i.e. < 3 % of tau in the crossing."""
    rng = np.random.default_rng(11)
    n, tau = 50000, 20.0
    ref = rng.random(n) < p_up
    redraw_at = rng.exponential(tau, n)
    new = rng.random(n) < p_up
    t = np.arange(0.0, 4 * tau, tau / 10)
    states = np.array([np.where(redraw_at <= ti, new, ref) for ti in t])
    kappa = state_kappa(ref, states)
    assert kappa[0] == 1.0
    assert np.allclose(kappa, np.exp(-t / tau), atol=0.02)
    assert trace_lifetime(t, kappa) == pytest.approx(tau, rel=0.05)
    fc = forgetting_curve(t, kappa, level=math.exp(-1))
    assert fc["tau"] == pytest.approx(tau, rel=0.05)


def test_state_kappa_chance_and_edge_cases():
    rng = np.random.default_rng(3)
    n = 40000
    ref = rng.random(n) < 0.3
    # independent states with another UP fraction: chance agreement, kappa ~ 0
    other = rng.random(n) < 0.7
    assert abs(state_kappa(ref, other)) < 0.02
    # complete inversion: kappa = -1 only at p = 1/2; identical: 1
    assert state_kappa(ref, ref) == 1.0
    half = np.arange(10) % 2 == 0
    assert state_kappa(half, ~half) == -1.0
    # every synapse in one state in both snapshots: undefined
    assert math.isnan(state_kappa(np.ones(5, bool), np.ones(5, bool)))
    with pytest.raises(ValueError):
        state_kappa(ref, other[:10])
    assert trace_lifetime([0, 1, 2], [1.0, 0.9, 0.8]) == math.inf


# ---------------------------------------------------------------- forgetting


@pytest.mark.parametrize("snr0,tau,dt", [(5.0, 30.0, 1.0), (3.0, 100.0, 10.0), (20.0, 7.0, 0.5)])
def test_lifetime_of_exponential_decay(snr0, tau, dt):
    t = np.arange(0.0, 10 * tau, dt)
    snr = snr0 * np.exp(-t / tau)
    expected = tau * math.log(snr0)
    # Linear interpolation of a convex curve overestimates the crossing by at most
    # dt²·|y''| / (8 |y'|) = dt² / (8 tau).
    assert lifetime(t, snr) == pytest.approx(expected, abs=dt**2 / (8 * tau) + 1e-9)
    assert lifetime(t, snr) >= expected - 1e-9
    fc = forgetting_curve(t, snr)
    assert fc["tau"] == pytest.approx(tau, rel=1e-6)
    assert fc["amplitude"] == pytest.approx(snr0, rel=1e-6)
    assert fc["lifetime_fit"] == pytest.approx(expected, rel=1e-6)
    assert fc["lifetime"] == lifetime(t, snr)
    # Different level: time to fall below 2.
    assert lifetime(t, snr, level=2.0) == pytest.approx(tau * math.log(snr0 / 2),
                                                        abs=dt**2 / (8 * tau) + 1e-9)


def test_forgetting_curve_noisy_and_offset():
    rng = np.random.default_rng(2)
    t = np.linspace(0, 200, 41)
    clean = 6.0 * np.exp(-t / 40.0)
    fc = forgetting_curve(t, clean + rng.normal(0, 0.1, t.size))
    assert fc["tau"] == pytest.approx(40.0, rel=0.1)
    assert fc["lifetime"] == pytest.approx(40.0 * math.log(6.0), rel=0.1)
    # Plateau at 0.5: the offset fit recovers tau and the floor.
    fc = forgetting_curve(t, clean + 0.5, offset=True)
    assert fc["tau"] == pytest.approx(40.0, rel=1e-3)
    assert fc["offset"] == pytest.approx(0.5, abs=1e-3)
    assert fc["lifetime_fit"] == pytest.approx(40.0 * math.log(6.0 / 0.5), rel=1e-3)


def test_lifetime_edge_cases():
    assert lifetime([0, 1, 2], [3.0, 2.5, 2.0]) == math.inf
    assert lifetime([0, 1, 2], [0.5, 2.0, 0.1]) == 0.0
    assert lifetime([2, 0, 1], [0.0, 3.0, 2.0]) == pytest.approx(1.5)  # unsorted input
    fc = forgetting_curve([0, 1, 2, 3], [2.0, 2.1, 2.2, 2.3])
    assert fc["tau"] == math.inf and fc["lifetime_fit"] == math.inf


# ------------------------------------------------------------ information, structure


def test_bits_per_synapse_bounds_and_channel():
    rng = np.random.default_rng(6)
    n = 300
    pre, post = random_network(rng, n, p=0.3)
    members = np.zeros((2, n), dtype=bool)
    members[0, :30] = True
    members[1, 30:60] = True
    label = (members[:, pre] & members[:, post]).any(axis=0)
    h = binary_entropy(label.mean())

    # Perfectly separated weights: I = H(label).
    w = np.where(label, 2.0, 1.0) + rng.uniform(0, 0.5, label.size)
    r = bits_per_synapse(w, pre, post, members)
    assert r["bits_per_synapse"] == pytest.approx(h, rel=1e-9)
    assert r["label_entropy"] == pytest.approx(h)
    assert r["threshold"] == w[~label].max()  # the split right below the in-weights
    assert r["total_bits"] == pytest.approx(h * label.size)

    # Independent weights: I ≈ 0 (plug-in bias only).
    r = bits_per_synapse(rng.normal(size=label.size), pre, post, members)
    assert r["bits_per_synapse"] < 20 / (2 * label.size * math.log(2))

    # Binary symmetric channel with flip probability e at a fixed threshold:
    # I = H(π(1 − e) + (1 − π)e) − H(e).
    e = 0.1
    flip = rng.random(label.size) < e
    w = (label ^ flip).astype(float)
    pi = label.mean()
    expected = binary_entropy(pi * (1 - e) + (1 - pi) * e) - binary_entropy(e)
    r = bits_per_synapse(w, pre, post, members, threshold=0.5)
    assert r["bits_per_synapse"] == pytest.approx(expected, abs=0.003)


def test_stored_bits_per_synapse_and_entropy():
    assert binary_entropy(0.5) == 1.0
    assert binary_entropy(0.0) == 0.0 and binary_entropy(1.0) == 0.0
    assert binary_entropy(0.1) == pytest.approx(0.4689955935892812)
    assert stored_bits_per_synapse(10, 800, 0.1, 64000) == pytest.approx(
        10 * 800 * 0.4689955935892812 / 64000)


def test_silent_fraction_and_histograms():
    pr = np.array([0.0, 0.01, 0.039, 0.04, 0.2, 0.5])
    assert silent_fraction(pr, 0.04) == pytest.approx(0.5)
    assert math.isnan(silent_fraction([], 0.04))

    w, pre, post, members = planted_assembly(7)
    h = weight_histograms(w, pre=pre, post=post, members=members, bins=30)
    assert h["edges"].size == 31
    assert h["all"].sum() == w.size
    assert h["in"].sum() + h["out"].sum() == w.size
    n_in = np.sum(members[pre] & members[post])
    assert h["in"].sum() == n_in
    assert h["out_strict"].sum() == np.sum(~members[pre] & ~members[post])
    # The planted shift shows: the in-histogram's mean bin is higher.
    centres = 0.5 * (h["edges"][1:] + h["edges"][:-1])
    assert (centres @ h["in"]) / h["in"].sum() > (centres @ h["out"]) / h["out"].sum() + 0.4
    d = weight_histograms(w, bins=30, density=True)
    assert np.sum(d["all"] * np.diff(d["edges"])) == pytest.approx(1.0)
    assert set(d) == {"edges", "all"}


def test_assembly_snr_snapshots_equals_assembly_snr_per_snapshot():
    """The snapshot helper (in/out contacts found once) gives assembly_snr of each weight
    vector and assembly exactly."""
    from mgnet.analysis.memory_metrics.structure import assembly_snr_snapshots
    rng = np.random.default_rng(3)
    pre, post = rng.integers(0, 30, 400), rng.integers(0, 30, 400)
    members = np.zeros((2, 30), bool)
    members[0, :8], members[1, 10:18] = True, True
    weights = [rng.uniform(0, 1, 400) for _ in range(3)]
    got = assembly_snr_snapshots(weights, pre, post, members)
    from mgnet.analysis.memory_metrics import assembly_snr
    want = [[assembly_snr(w, pre, post, m) for m in members] for w in weights]
    np.testing.assert_array_equal(got, np.array(want))
