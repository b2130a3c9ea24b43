"""Network-burst detection and burst statistics for cultured networks.

Reproduces the culture-activity statistics that the network model is calibrated against
(science.md §4 item 7): network-burst rate 1–30 per minute, inter-burst-interval CV ≈ 0.3–1,
burst duration 0.1–2 s, > 80 % of spikes inside bursts, between-burst rate < 1 Hz and
intra-burst rates of tens of Hz (Wagenaar, Pine & Potter 2006 *BMC Neurosci* 7:11; Brewer et al.
2009; Masquelier & Deco 2013).

Wagenaar et al. detected bursts per electrode and then grouped near-coincident electrode bursts
into network bursts. A simulation records every neuron, so the same idea is expressed directly on
the population rate: a network burst is an epoch in which the *population-averaged* firing rate
is far above the background and a sizeable fraction of the network takes part.

The detector (:func:`detect_network_bursts`) assumes the background is well below the
threshold (≲ half of it) and the network is not tiny (≳ 100 neurons); then pure Poisson
background yields no bursts. At higher background the false epochs it does yield are short and
hold few spikes, so the burst-fraction band of :data:`CULTURE_BANDS` still fails, as it should.
Its defaults suit culture bursts (0.1–2 s long, intra-burst rates of tens of Hz, background
< 1 Hz): a fixed 2 Hz-per-neuron threshold sits above a sub-1 Hz background and far below a
culture burst, in which most cells fire at tens of Hz (half the cells at 20 Hz is 10 Hz per
neuron). With ``min_peak_factor`` 2 the weakest detectable burst peaks at 4 Hz per neuron
(e.g. 40 % of the cells at 10 Hz). A fixed threshold (no ``rel_threshold``) is the default
because conditions are compared with each other: a threshold that moves with each network's
mean rate would move the burst definition with the condition.

Inputs are plain arrays in the SONATA spike layout: spike times in seconds and integer neuron
ids ``0 .. n_neurons - 1``. This module never imports brian2.

Typical use::

    bursts = detect_network_bursts(times, ids, n_neurons, t_start, t_stop)
    stats = burst_statistics(times, ids, n_neurons, t_start, t_stop, bursts)
    report = check_bands(stats)
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
from scipy.ndimage import gaussian_filter1d

__all__ = [
    "BURST_DTYPE",
    "CULTURE_BANDS",
    "population_rate",
    "auto_smooth_s",
    "detect_network_bursts",
    "burst_statistics",
    "check_bands",
]

#: Record layout of one detected network burst. Times in seconds, ``peak_rate`` in Hz per
#: neuron (population-averaged, smoothed).
BURST_DTYPE = np.dtype(
    [
        ("start", "f8"),
        ("stop", "f8"),
        ("n_spikes", "i8"),
        ("n_neurons_participating", "i8"),
        ("peak_rate", "f8"),
    ]
)

#: Culture bands of science.md §4 item 7, as ``name -> (low, high)`` (inclusive) over the keys
#: returned by :func:`burst_statistics`. "Tens of Hz" intra-burst is taken as >= 10 Hz with no
#: upper bound; "> 80 % of spikes in bursts" as a fraction in [0.8, 1]. The duration band is
#: applied to the median because a single merged or truncated burst must not move a
#: calibration verdict.
CULTURE_BANDS: dict[str, tuple[float, float]] = {
    "burst_rate_per_min": (1.0, 30.0),
    "ibi_cv": (0.3, 1.0),
    "duration_median_s": (0.1, 2.0),
    "fraction_spikes_in_bursts": (0.8, 1.0),
    "between_burst_rate_hz": (0.0, 1.0),
    "intra_burst_rate_hz": (10.0, math.inf),
}


def _clean_spikes(times_s, ids, t_start, t_stop):
    """Return time-sorted spikes restricted to ``[t_start, t_stop)``."""
    times = np.asarray(times_s, dtype=float).ravel()
    ids = np.asarray(ids).ravel().astype(np.int64, copy=False)
    if times.shape != ids.shape:
        raise ValueError(f"times ({times.shape}) and ids ({ids.shape}) differ in shape")
    keep = (times >= t_start) & (times < t_stop)
    times, ids = times[keep], ids[keep]
    order = np.argsort(times, kind="stable")
    return times[order], ids[order]


def _binned_rate(times, n_neurons, t_start, t_stop, bin_s):
    """Spike counts per bin and bin edges covering ``[t_start, t_stop)``."""
    if bin_s <= 0:
        raise ValueError("bin_s must be positive")
    if t_stop <= t_start:
        raise ValueError("t_stop must exceed t_start")
    if n_neurons <= 0:
        raise ValueError("n_neurons must be positive")
    # A tiny tolerance keeps an exact multiple of bin_s from gaining an empty extra bin.
    n_bins = max(1, int(math.ceil((t_stop - t_start) / bin_s - 1e-9)))
    edges = t_start + bin_s * np.arange(n_bins + 1)
    counts, _ = np.histogram(times, bins=edges)
    return counts, edges


def _smooth(rate, smooth_s, bin_s):
    if smooth_s and smooth_s > 0:
        # Reflecting boundaries avoid the artificial dip a zero-padded kernel would create at
        # the recording edges, which could otherwise split or hide a burst there.
        return gaussian_filter1d(rate.astype(float), sigma=smooth_s / bin_s, mode="reflect")
    return rate.astype(float)


def population_rate(times_s, n_neurons, t_stop, bin_s=0.01, smooth_s=0.02, t_start=0.0):
    """Population-averaged firing rate per neuron.

    Parameters
    ----------
    times_s : array_like
        Spike times (s) of all neurons of the population.
    n_neurons : int
        Number of neurons in the population (silent ones included), used to normalise.
    t_stop : float
        End of the analysed window (s, exclusive).
    bin_s : float, optional
        Bin width (s). Default 0.01.
    smooth_s : float, optional
        Standard deviation (s) of the Gaussian smoothing kernel; 0 disables smoothing.
        Default 0.02.
    t_start : float, optional
        Start of the analysed window (s). Default 0.

    Returns
    -------
    t : ndarray
        Bin centres (s).
    rate : ndarray
        Rate in Hz per neuron, i.e. spikes per bin / (``n_neurons`` · ``bin_s``), smoothed.
        Its time integral equals the mean spike count per neuron.
    """
    times = np.asarray(times_s, dtype=float).ravel()
    times = times[(times >= t_start) & (times < t_stop)]
    counts, edges = _binned_rate(times, n_neurons, t_start, t_stop, bin_s)
    rate = _smooth(counts / (n_neurons * bin_s), smooth_s, bin_s)
    return 0.5 * (edges[:-1] + edges[1:]), rate


def auto_smooth_s(n_neurons, threshold, bin_s=0.005, coincident_spikes=3):
    """Default smoothing width of :func:`detect_network_bursts`.

    The smallest Gaussian s.d. for which a single spike cannot push the smoothed population
    rate above ``threshold``: its peak contribution, 1 / (``n_neurons`` · √(2π) · σ), must not
    exceed ``threshold / coincident_spikes``. With fewer than ``coincident_spikes`` near-
    coincident spikes no epoch can start, so in small networks isolated background spikes do
    not become burst candidates. Never below one bin.

    Parameters
    ----------
    n_neurons : int
        Population size.
    threshold : float
        Effective threshold (Hz per neuron).
    bin_s : float, optional
        Bin width (s), the lower bound of the result. Default 0.005.
    coincident_spikes : float, optional
        Spikes needed to reach threshold. Default 3.

    Returns
    -------
    float
        Smoothing s.d. in seconds (e.g. 6 ms for 100 neurons at 2 Hz, 5 ms for ≥ 120 neurons).
    """
    sigma = coincident_spikes / (n_neurons * threshold * math.sqrt(2.0 * math.pi))
    return max(float(bin_s), sigma)


def _runs(mask):
    """Half-open index ranges ``[i0, i1)`` of the True runs of a boolean vector."""
    padded = np.concatenate(([0], mask.astype(np.int8), [0]))
    d = np.diff(padded)
    return np.flatnonzero(d == 1), np.flatnonzero(d == -1)


def detect_network_bursts(times_s, ids, n_neurons, t_start, t_stop, *, bin_s=0.005,
                          smooth_s=None, threshold=2.0, rel_threshold=None, min_duration_s=0.05,
                          merge_gap_s=0.1, min_participation=0.2, min_peak_factor=2.0):
    """Detect network bursts from the population rate.

    Rule, applied in this order:

    1. Bin the spikes in ``[t_start, t_stop)`` at ``bin_s`` and convert to the
       population-averaged rate per neuron (Hz); smooth with a Gaussian of s.d. ``smooth_s``.
    2. The effective threshold is ``threshold`` (Hz per neuron), raised to
       ``rel_threshold`` × the mean population rate of the window if ``rel_threshold`` is given.
       Candidate epochs are the runs of bins whose smoothed rate exceeds it.
    3. Candidates separated by a gap shorter than ``merge_gap_s`` are merged (a burst whose rate
       dips briefly is one burst, as in Wagenaar et al. 2006).
    4. Each merged epoch is trimmed to the first and last bins from which the *unsmoothed*
       rate exceeds the threshold for two consecutive bins (any single supra-threshold bin if
       there is no such pair), and its edges are set to the first spike of the first bin and
       the last spike of the last bin (why: :func:`_trimmed_epoch`).
    5. An epoch is kept if ``stop - start >= min_duration_s``, if at least
       ``min_participation`` × ``n_neurons`` distinct neurons fire in it, if its mean
       population rate (spikes / (``n_neurons`` · duration)) exceeds the threshold and if its
       smoothed peak reaches ``min_peak_factor`` × the threshold. The last two criteria reject
       chains of background fluctuations that only graze the threshold and that step 3 glued
       together; a real burst peaks far above it.

    The detector's assumptions and the choice of its defaults are in the module docstring.

    Parameters
    ----------
    times_s, ids : array_like
        Spike times (s) and neuron ids (``0 .. n_neurons - 1``), same length.
    n_neurons : int
        Population size used for rates and participation (silent neurons included).
    t_start, t_stop : float
        Analysed window (s); spikes outside it are ignored.
    bin_s : float, optional
        Rate bin width (s). Default 0.005.
    smooth_s : float or None, optional
        Gaussian smoothing s.d. (s); 0 disables. Default None: :func:`auto_smooth_s`, one bin
        (5 ms) in networks of ≳ 120 neurons and wider in smaller ones so that no single
        spike can open a burst.
    threshold : float, optional
        Population-rate threshold in Hz per neuron. Default 2.0.
    rel_threshold : float or None, optional
        If given, the threshold is ``max(threshold, rel_threshold * mean_rate)``. Default None.
    min_duration_s : float, optional
        Minimum burst duration (s). Default 0.05, below the 0.1 s culture band so the band
        check is not satisfied by construction.
    merge_gap_s : float, optional
        Epochs closer than this (s) are merged. Default 0.1.
    min_participation : float, optional
        Minimum fraction of ``n_neurons`` firing at least one spike in the burst. Default 0.2.
    min_peak_factor : float, optional
        The smoothed rate must peak at ≥ this multiple of the threshold. Default 2.0.

    Returns
    -------
    bursts : ndarray of :data:`BURST_DTYPE`
        One record per burst, sorted by start: ``start``, ``stop`` (s), ``n_spikes``,
        ``n_neurons_participating``, ``peak_rate`` (Hz per neuron, smoothed).
    """
    times, nid = _clean_spikes(times_s, ids, t_start, t_stop)
    counts, edges = _binned_rate(times, n_neurons, t_start, t_stop, bin_s)
    raw = counts / (n_neurons * bin_s)
    thr = _effective_threshold(threshold, rel_threshold, times.size, n_neurons, t_stop - t_start)
    if smooth_s is None:
        smooth_s = auto_smooth_s(n_neurons, thr, bin_s)
    smooth = _smooth(raw, smooth_s, bin_s)
    i0s, i1s = _runs(smooth > thr)
    if i0s.size == 0:
        return np.zeros(0, dtype=BURST_DTYPE)
    out = []
    for a, b in _merge_runs(i0s, i1s, merge_gap_s / bin_s):
        epoch = _trimmed_epoch(raw[a:b] > thr, a, times, nid, edges)
        record = None if epoch is None else _kept_burst(
            epoch, smooth[a:b], thr, n_neurons, min_duration_s, min_participation,
            min_peak_factor)
        if record is not None:
            out.append(record)
    return np.array(out, dtype=BURST_DTYPE)


def _effective_threshold(threshold, rel_threshold, n_spikes, n_neurons, window_s):
    """Step 2 of :func:`detect_network_bursts`: the fixed threshold, raised to
    ``rel_threshold`` × the window's mean rate per neuron if given (Hz per neuron)."""
    thr = float(threshold)
    if rel_threshold is not None:
        mean_rate = n_spikes / (n_neurons * window_s)
        thr = max(thr, float(rel_threshold) * mean_rate)
    if thr <= 0:
        raise ValueError("the effective threshold must be positive")
    return thr


def _merge_runs(i0s, i1s, gap_bins):
    """Step 3 of :func:`detect_network_bursts`: ``[i0, i1)`` bin runs closer than
    ``gap_bins`` merged; the gap is measured between the end of one run and the start of
    the next."""
    merged = [[i0s[0], i1s[0]]]
    for a, b in zip(i0s[1:], i1s[1:], strict=True):
        if a - merged[-1][1] < gap_bins:
            merged[-1][1] = b
        else:
            merged.append([a, b])
    return merged


def _trimmed_epoch(above, a, times, nid, edges):
    """Step 4 of :func:`detect_network_bursts`: the epoch starting at bin ``a`` whose raw
    rate is ``above`` threshold per bin, trimmed to its spikes. Smoothing spreads a burst's
    flanks into the background; trimming on the raw rate puts the edges back where the burst
    spikes are, and the two-bin rule keeps isolated background coincidences out of the edges.

    Returns ``(start, stop, n_spikes, n_neurons_participating)`` or None if no spike is left.
    """
    # Edges must sit where the raw rate stays above threshold for two consecutive bins, so
    # that a chance coincidence of background spikes just outside the burst does not
    # become its start or end; single bins are the fallback for very short epochs.
    sustained = np.flatnonzero(above[:-1] & above[1:])
    if sustained.size:
        first_bin, last_bin = a + sustained[0], a + sustained[-1] + 1
    else:
        core = np.flatnonzero(above)
        if core.size == 0:
            return None
        first_bin, last_bin = a + core[0], a + core[-1]
    lo = np.searchsorted(times, edges[first_bin], side="left")
    hi = np.searchsorted(times, edges[last_bin + 1], side="left")
    if hi <= lo:
        return None
    return times[lo], times[hi - 1], hi - lo, np.unique(nid[lo:hi]).size


def _kept_burst(epoch, smooth, thr, n_neurons, min_duration_s, min_participation,
                min_peak_factor):
    """Step 5 of :func:`detect_network_bursts`: the burst record of a trimmed ``epoch`` whose
    smoothed rate over its merged bins is ``smooth``, or None if a criterion rejects it."""
    start, stop, n_spk, n_part = epoch
    duration = stop - start
    if duration < min_duration_s:
        return None
    if n_part < min_participation * n_neurons:
        return None
    if n_spk / (n_neurons * duration) <= thr:
        return None
    peak = float(smooth.max())
    if peak < min_peak_factor * thr:
        return None
    return start, stop, n_spk, n_part, peak


def _burst_windows(bursts):
    """``(starts, stops)`` from a :data:`BURST_DTYPE` array or an ``(n, 2)`` array."""
    arr = np.asarray(bursts)
    if arr.dtype.names is not None:
        starts = np.asarray(arr["start"], dtype=float)
        stops = np.asarray(arr["stop"], dtype=float)
    else:
        arr = np.asarray(bursts, dtype=float)
        if arr.size == 0:
            return np.zeros(0), np.zeros(0)
        arr = arr.reshape(-1, 2)
        starts, stops = arr[:, 0], arr[:, 1]
    order = np.argsort(starts, kind="stable")
    return starts[order], stops[order]


def burst_statistics(times_s, ids, n_neurons, t_start, t_stop, bursts):
    """Summary statistics of network bursts, comparable with :data:`CULTURE_BANDS`.

    All spike counts are recomputed from the spikes and the burst windows ``[start, stop]``,
    so ``bursts`` may be the detector output or hand-made (e.g. planted) windows.

    Parameters
    ----------
    times_s, ids : array_like
        Spike times (s) and neuron ids.
    n_neurons : int
        Population size (silent neurons included).
    t_start, t_stop : float
        Analysed window (s); it sets the recording duration for rates.
    bursts : ndarray
        :data:`BURST_DTYPE` records or an ``(n, 2)`` array of ``(start, stop)``; assumed
        not to overlap (they do not when produced by :func:`detect_network_bursts`).

    Returns
    -------
    dict
        ``n_bursts``; ``burst_rate_per_min``; ``ibi_mean_s`` and ``ibi_cv`` of the
        start-to-start inter-burst intervals (CV uses the sample s.d., ``ddof=1``);
        ``duration_mean_s``, ``duration_median_s``; ``participation_mean`` (mean fraction of
        neurons firing in a burst); ``fraction_spikes_in_bursts``; ``between_burst_rate_hz``
        (spikes outside bursts / (``n_neurons`` · time outside bursts)); and
        ``intra_burst_rate_hz`` (pooled: Σ burst spikes / Σ participating neurons · duration).
        Undefined entries are NaN, never errors: IBI mean needs ≥ 2 bursts, IBI CV ≥ 3 (one
        interval has no spread), durations and intra-burst rate ≥ 1 burst, spike fractions
        ≥ 1 spike.
    """
    times, nid = _clean_spikes(times_s, ids, t_start, t_stop)
    starts, stops = _burst_windows(bursts)
    total_t = float(t_stop - t_start)
    n_b = int(starts.size)
    nan = float("nan")

    lo = np.searchsorted(times, starts, side="left")
    hi = np.searchsorted(times, stops, side="right")
    n_spk = (hi - lo).astype(float)
    n_part = np.array([np.unique(nid[a:b]).size for a, b in zip(lo, hi, strict=True)], dtype=float)
    durations = stops - starts

    in_burst = np.zeros(times.size, dtype=bool)
    for a, b in zip(lo, hi, strict=True):
        in_burst[a:b] = True
    # Burst time inside the analysed window, for the between-burst exposure.
    burst_time = float(np.sum(np.clip(stops, t_start, t_stop) - np.clip(starts, t_start, t_stop)))

    ibis = np.diff(starts)
    stats = {
        "n_bursts": n_b,
        "burst_rate_per_min": 60.0 * n_b / total_t,
        "ibi_mean_s": float(ibis.mean()) if ibis.size >= 1 else nan,
        "ibi_cv": float(ibis.std(ddof=1) / ibis.mean()) if ibis.size >= 2 else nan,
        "duration_mean_s": float(durations.mean()) if n_b else nan,
        "duration_median_s": float(np.median(durations)) if n_b else nan,
        "participation_mean": float(n_part.mean() / n_neurons) if n_b else nan,
        "fraction_spikes_in_bursts": float(in_burst.mean()) if times.size else nan,
    }
    outside_time = total_t - burst_time
    stats["between_burst_rate_hz"] = (
        float((~in_burst).sum() / (n_neurons * outside_time)) if outside_time > 0 else nan
    )
    exposure = float(np.sum(n_part * durations))
    stats["intra_burst_rate_hz"] = float(n_spk.sum() / exposure) if exposure > 0 else nan
    return stats


def check_bands(stats: Mapping[str, float], bands: Mapping[str, tuple[float, float]] | None = None):
    """Compare burst statistics with target bands.

    Parameters
    ----------
    stats : mapping
        Output of :func:`burst_statistics`.
    bands : mapping, optional
        ``name -> (low, high)``, inclusive; default :data:`CULTURE_BANDS`.

    Returns
    -------
    dict
        ``name -> (value, low, high, ok)``; ``ok`` is False when the value is NaN or missing
        (an undefined statistic cannot count as within band).
    """
    bands = CULTURE_BANDS if bands is None else bands
    result = {}
    for name, (low, high) in bands.items():
        value = float(stats.get(name, float("nan")))
        ok = bool(np.isfinite(value) and low <= value <= high)
        result[name] = (value, float(low), float(high), ok)
    return result
