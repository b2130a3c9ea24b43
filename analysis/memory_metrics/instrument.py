"""Measures on recorded activity: rates in a window, recall quality Q (Luboeinski & Tetzlaff
2021), cues inside network bursts, and the UP-fraction encoding metric Δf_UP with its
z-score against random pseudo-assemblies.
"""
from __future__ import annotations

import functools

import numpy as np

from .structure import _as_mask

# --------------------------------------------------------------------------------------------
# instrument of issue 14: rate read-out Q, burst rejection, Δf_UP and its z-score


def rates_in_window(times, ids, n_neurons, t0, t1):
    """Firing rate (Hz) of every neuron in the window ``[t0, t1)``.

    Parameters
    ----------
    times, ids : array_like
        Spike times (s) and neuron ids.
    n_neurons : int
        Population size (length of the result).
    t0, t1 : float
        Window (s), half-open; ``t1 > t0``.

    Returns
    -------
    ndarray of float, shape (n_neurons,)
        Spike count in the window divided by its length.
    """
    if not t1 > t0:
        raise ValueError("the rate window needs t1 > t0")
    times = np.asarray(times, dtype=float).ravel()
    ids = np.asarray(ids).ravel().astype(np.int64, copy=False)
    sel = (times >= t0) & (times < t1) & (ids >= 0) & (ids < n_neurons)
    return np.bincount(ids[sel], minlength=n_neurons) / float(t1 - t0)


def recall_q(rates, members, cued, *, controls=None):
    """Recall quality Q of Luboeinski & Tetzlaff (2021), from firing rates.

    Q = (ν_ans − ν_ctrl) / ν_as, with ν_as the mean rate of the cued neurons ("assembly,
    stimulated"), ν_ans that of the assembly members that were not cued ("assembly, not
    stimulated") and ν_ctrl that of the control neurons (by default every neuron that is
    neither a member nor cued).  It is the excess activity of the non-cued members over
    the controls in units of the activity the cue itself evokes: 1 when the non-cued
    members fire like the cued ones and the controls are silent, 0 when the members fire
    like the controls (no completion, *whatever* the overall activity), negative when the
    members fire less.  Same formula and error propagation as
    ``analysis/calculateQ.py`` of the authors' repository (jlubo/memory-consolidation-stc):
    the uncertainties are the population standard deviations of the three rate sets.

    A sham cue (cued neurons that are *not* members) is scored with the same call: then
    every member is "not stimulated" and Q measures how much the sham drives the assembly.

    Parameters
    ----------
    rates : array_like, shape (N,)
        Rate (or spike count; Q is scale-free) of every neuron in the read-out window.
    members : array_like of bool, shape (N,)
        Membership of the assembly that is read out.
    cued : array_like of bool, shape (N,)
        Neurons the cue stimulated.
    controls : array_like of bool, shape (N,), optional
        Control neurons; default ``~members & ~cued``.

    Returns
    -------
    dict
        ``Q``, ``Q_err``, ``v_as``, ``v_ans``, ``v_ctrl`` (mean rates) and their
        ``*_err`` (standard deviations), ``n_as``, ``n_ans``, ``n_ctrl``.  Q is NaN when a
        set is empty or ν_as = 0 (the cue evoked nothing: no read-out is possible).
    """
    r = np.asarray(rates, dtype=float).ravel()
    xi = _as_mask(members, r.size).ravel()
    cue = _as_mask(cued, r.size).ravel()
    ctrl = (~xi & ~cue) if controls is None else _as_mask(controls, r.size).ravel()
    sets = {"as": cue, "ans": xi & ~cue, "ctrl": ctrl & ~cue}
    out: dict = {}
    nan = float("nan")
    for k, sel in sets.items():
        out[f"n_{k}"] = int(sel.sum())
        out[f"v_{k}"] = float(r[sel].mean()) if sel.any() else nan
        out[f"v_{k}_err"] = float(r[sel].std()) if sel.any() else nan
    v_as, v_ans, v_ctrl = out["v_as"], out["v_ans"], out["v_ctrl"]
    if not (np.isfinite(v_as) and v_as > 0 and np.isfinite(v_ans) and np.isfinite(v_ctrl)):
        out["Q"], out["Q_err"] = nan, nan
        return out
    out["Q"] = float((v_ans - v_ctrl) / v_as)
    out["Q_err"] = float(np.sqrt((out["v_ans_err"] / v_as) ** 2 + (out["v_ctrl_err"] / v_as) ** 2
                                 + (out["v_as_err"] * (v_ans - v_ctrl) / v_as ** 2) ** 2))
    return out


def cues_in_bursts(t_cues, bursts, *, pre_window, guard=0.01):
    """Which cues fall inside (or right after) a spontaneous network burst.

    A cue at time t is rejected when a detected network burst overlaps its pre-cue window
    ``[t − pre_window, t − guard)``, i.e. it started before ``t − guard`` and had not ended
    by ``t − pre_window``.  Bursts come from :func:`mgnet.analysis.bursts.detect_network_bursts` on
    the whole recording; a burst that the cue itself ignites starts at the cue or after it
    (the detector puts burst edges on spikes, and a cue's own pulse can at most fall in the
    5-ms bin that straddles it), so the ``guard`` keeps cue-evoked bursts from rejecting
    their own cue, while a spontaneous burst that the cue merely prolongs (the detector
    merges epochs < 0.1 s apart) still starts before the guard and rejects it.

    Parameters
    ----------
    t_cues : array_like
        Cue onset times (s).
    bursts : structured array or array_like, shape (n, 2)
        Detected bursts (``start``/``stop`` fields of :data:`mgnet.analysis.bursts.BURST_DTYPE`)
        or ``(start, stop)`` rows (s).
    pre_window : float
        Length of the pre-cue window (s).
    guard : float, optional
        Bursts that start within ``guard`` before the cue count as cue-evoked (s).
        Default 0.01 (two 5-ms detector bins).

    Returns
    -------
    ndarray of bool
        True for every rejected cue.
    """
    t = np.asarray(t_cues, dtype=float).ravel()
    arr = np.asarray(bursts)
    if arr.size == 0:
        return np.zeros(t.size, dtype=bool)
    if arr.dtype.names is not None:
        starts = np.asarray(arr["start"], float)
        stops = np.asarray(arr["stop"], float)
    else:
        arr = np.asarray(bursts, dtype=float).reshape(-1, 2)
        starts, stops = arr[:, 0], arr[:, 1]
    before = starts[None, :] < (t[:, None] - guard)
    overlaps = stops[None, :] >= (t[:, None] - pre_window)
    return np.any(before & overlaps, axis=1)


def _as_pattern_matrix(members):
    m = np.asarray(members, dtype=bool)
    return m[None, :] if m.ndim == 1 else m


def up_fraction_difference(up, pre, post, members):
    """Encoding metric Δf_UP: UP fraction of in-assembly contacts minus that of all others.

    "In-assembly" contacts have both ends in the assembly; "others" are every other contact
    passed (restrict to E→E).  Unlike the weight SNR it has no ceiling below 1 set by the
    initial UP fraction: it ranges from −1 to 1, and a planted assembly (every in-assembly
    contact UP) gives 1 − f_UP(others).

    Parameters
    ----------
    up : array_like of bool (or efficacies ρ, thresholded at ½)
        State of every contact.
    pre, post : array_like of int
        Presynaptic and postsynaptic neuron of every contact.
    members : array_like of bool, shape (N,) or (P, N)
        One assembly or several (one value per row).

    Returns
    -------
    float or ndarray
        Δf_UP (NaN for an assembly without in-assembly contacts).
    """
    out = up_fraction_differences([up], pre, post, members)[0]
    return float(out[0]) if np.asarray(members).ndim == 1 else out


def up_fraction_differences(ups, pre, post, members) -> list[np.ndarray]:
    """:func:`up_fraction_difference` (one value per assembly, an array) of each contact
    state vector of ``ups`` (e.g. every snapshot of a run), the in-assembly contacts of
    each assembly found once."""
    pre = np.asarray(pre).ravel().astype(np.int64, copy=False)
    post = np.asarray(post).ravel().astype(np.int64, copy=False)
    m = _as_pattern_matrix(members)
    inside = [row[pre] & row[post] for row in m]
    result = []
    for up in ups:
        up = np.asarray(up)
        up = (up > 0.5) if up.dtype != bool else up
        out = np.full(m.shape[0], np.nan)
        n_up, n = float(up.sum()), up.size
        for k, both in enumerate(inside):
            n_in = int(both.sum())
            if n_in == 0 or n_in == n:
                continue
            up_in = float(up[both].sum())
            out[k] = up_in / n_in - (n_up - up_in) / (n - n_in)
        result.append(out)
    return result


def up_fraction_z(up, pre, post, members, *, population=None, n_pseudo=1000, seed=0):
    """Δf_UP of an assembly and its z-score against random pseudo-assemblies.

    The null distribution is Δf_UP of ``n_pseudo`` random sets of the same size drawn
    without replacement from ``population`` (by default every neuron that appears in
    ``pre``/``post`` range, i.e. the same excitatory population), computed on the same
    contact states.  z = (Δf_UP − mean_null) / sd_null.  It answers "is this assembly's
    UP fraction special?" in units of what any set of that size shows by chance, so it is
    comparable across network sizes and UP fractions.

    The pseudo-assemblies are evaluated at once through the connection matrices:
    with C_ij the number of contacts from j to i and U_ij the number of those UP, a set
    with indicator x has xᵀCx in-assembly contacts of which xᵀUx are UP.

    Parameters
    ----------
    up, pre, post : array_like
        Contact states (bool or ρ, thresholded at ½) and ends, as in
        :func:`up_fraction_difference`.
    members : array_like of bool, shape (N,) or (P, N)
        The assembly (or assemblies: one z each, the null drawn per size).
    population : array_like of bool, shape (N,), optional
        Neurons the pseudo-assemblies are drawn from; default all N.
    n_pseudo : int, optional
        Pseudo-assemblies (≥ 1000 for the report). Default 1000.
    seed : int, optional
        Seed of the draw (numpy ``default_rng``).

    Returns
    -------
    dict
        ``delta`` (Δf_UP per assembly), ``null_mean``, ``null_sd``, ``z`` (arrays for 2-D
        ``members``, floats for 1-D).
    """
    up = np.asarray(up)
    up = (up > 0.5) if up.dtype != bool else up
    up = up.ravel()
    pre = np.asarray(pre).ravel().astype(np.int64, copy=False)
    post = np.asarray(post).ravel().astype(np.int64, copy=False)
    one = np.asarray(members).ndim == 1
    m = _as_pattern_matrix(members)
    n = m.shape[1]
    pop = np.ones(n, bool) if population is None else _as_mask(population, n).ravel()
    pool = np.flatnonzero(pop)
    U = np.zeros((n, n))
    np.add.at(U, (post[up], pre[up]), 1.0)
    n_all, up_all = float(up.size), float(up.sum())
    draw = (pool.astype(np.int64).tobytes(), n, tuple(dict.fromkeys(int(r.sum()) for r in m)),
            int(n_pseudo), seed)
    if isinstance(seed, (int, np.integer)):     # a fixed seed: the same draws every call
        draws, contacts = _pseudo_assemblies(*draw), _contacts_in(pre, post, draw)
    else:
        draws = _pseudo_assemblies.__wrapped__(*draw)
        contacts = _count_in(pre, post, n, draws)
    delta = up_fraction_difference(up, pre, post, m)
    res = {k: np.full(m.shape[0], np.nan) for k in ("null_mean", "null_sd", "z")}
    null_cache: dict = {}
    for k, row in enumerate(m):
        size = int(row.sum())
        if size not in null_cache:
            X = draws[size]
            n_in = contacts[size]
            u_in = np.einsum("ij,ij->i", X @ U, X)
            ok = (n_in > 0) & (n_in < n_all)
            d = np.full(int(n_pseudo), np.nan)
            d[ok] = u_in[ok] / n_in[ok] - (up_all - u_in[ok]) / (n_all - n_in[ok])
            d = d[np.isfinite(d)]
            null_cache[size] = (float(d.mean()), float(d.std(ddof=1))) if d.size > 1 else (
                float("nan"), float("nan"))
        mu, sd = null_cache[size]
        res["null_mean"][k], res["null_sd"][k] = mu, sd
        with np.errstate(divide="ignore", invalid="ignore"):
            res["z"][k] = (delta[k] - mu) / sd if sd > 0 else float("nan")
    out = {"delta": delta, **res}
    if one:
        out = {k: float(np.asarray(v).ravel()[0]) for k, v in out.items()}
    return out


@functools.lru_cache(maxsize=4)
def _pseudo_assemblies(pool: bytes, n: int, sizes: tuple[int, ...], n_pseudo: int,
                       seed) -> dict[int, np.ndarray]:
    """The pseudo-assemblies of :func:`up_fraction_z`: for each size (in ``sizes``' order,
    which is the order of the draws) an ``n_pseudo`` x ``n`` indicator matrix of random sets
    drawn without replacement from the neurons ``pool`` (int64 bytes), the generator seeded
    with ``seed``.  The same arguments give the same draws, so they are kept (read-only):
    every snapshot of every run with the same population and sizes shares them."""
    rng = np.random.default_rng(seed)
    neurons = np.frombuffer(pool, dtype=np.int64)
    out = {}
    for size in sizes:
        X = np.zeros((n_pseudo, n))
        for j in range(n_pseudo):
            X[j, rng.choice(neurons, size, replace=False)] = 1.0
        X.flags.writeable = False
        out[size] = X
    return out


#: (digest of the contacts, the draws' arguments) -> in-assembly contacts per size.
_CONTACTS_IN: dict = {}


def _contacts_in(pre: np.ndarray, post: np.ndarray, draw: tuple) -> dict[int, np.ndarray]:
    """:func:`_count_in` for the pseudo-assemblies ``_pseudo_assemblies(*draw)``, kept
    for the next call with the same contacts and draws (the run's other snapshots)."""
    import hashlib
    h = hashlib.blake2b(digest_size=20)
    for a in (pre, post):
        h.update(np.ascontiguousarray(a, dtype=np.int64).tobytes())
    key = (h.hexdigest(), draw)
    if key not in _CONTACTS_IN:
        if len(_CONTACTS_IN) >= 8:
            _CONTACTS_IN.clear()
        _CONTACTS_IN[key] = _count_in(pre, post, draw[1], _pseudo_assemblies(*draw))
    return _CONTACTS_IN[key]


def _count_in(pre: np.ndarray, post: np.ndarray, n: int,
              draws: dict[int, np.ndarray]) -> dict[int, np.ndarray]:
    """Contacts with both ends in each pseudo-assembly of ``draws`` (size -> counts xᵀCx,
    C_ij the contacts from j to i; exact whole numbers)."""
    C = np.zeros((n, n))
    np.add.at(C, (post, pre), 1.0)
    return {size: np.einsum("ij,ij->i", X @ C, X) for size, X in draws.items()}
