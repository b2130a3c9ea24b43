"""Weight structure of the network: assembly weights and their signal-to-noise ratio, the
silent fraction, weight histograms and contacts per connection.
"""
from __future__ import annotations

import numpy as np

# --------------------------------------------------------------------------------------------
# helpers


def _as_mask(members, n=None):
    """Boolean membership vector from a boolean vector or an index array."""
    arr = np.asarray(members)
    if arr.dtype == bool:
        if n is not None and arr.shape[-1] != n:
            raise ValueError(f"membership has {arr.shape[-1]} neurons, expected {n}")
        return arr
    if n is None:
        raise ValueError("index-array membership needs the population size")
    mask = np.zeros(n, dtype=bool)
    mask[arr.astype(np.int64)] = True
    return mask


def _synapse_arrays(w, pre, post):
    w = np.asarray(w, dtype=float).ravel()
    pre = np.asarray(pre).ravel().astype(np.int64, copy=False)
    post = np.asarray(post).ravel().astype(np.int64, copy=False)
    if not (w.shape == pre.shape == post.shape):
        raise ValueError("w, pre and post must have the same length")
    return w, pre, post


def _aggregate_connections(w, pre, post):
    """Sum contacts of the same (pre, post) pair: one entry per connection."""
    if w.size == 0:
        return w, pre, post
    n = int(max(pre.max(), post.max())) + 1
    key = pre * n + post
    uniq, inverse = np.unique(key, return_inverse=True)
    summed = np.bincount(inverse, weights=w, minlength=uniq.size)
    return summed, uniq // n, uniq % n


def _co_member(pre, post, members):
    """Synapse labels for one pattern (1-D members) or any of several (2-D members).

    Returns ``(both, neither)``: both ends in the same assembly / neither end in the assembly
    (for 2-D: in no assembly at all).
    """
    members = np.asarray(members, dtype=bool)
    if members.ndim == 1:
        a, b = members[pre], members[post]
        return a & b, ~a & ~b
    both = np.any(members[:, pre] & members[:, post], axis=0)
    anym = members.any(axis=0)
    return both, ~anym[pre] & ~anym[post]


# --------------------------------------------------------------------------------------------
# assembly weight SNR


def assembly_weight_stats(w, pre, post, members, *, exclude_mixed=False, aggregate=False):
    """Weight statistics inside and outside one assembly.

    Parameters
    ----------
    w, pre, post : array_like
        Weight, presynaptic and postsynaptic neuron index of every contact. Pass only the
        E→E pathway: "out" is *every other* synapse given, so other pathways would
        contaminate it.
    members : array_like of bool, shape (N,)
        Assembly membership over the neurons indexed by ``pre`` / ``post``.
    exclude_mixed : bool, optional
        If False (default), "out" is every synapse not in "in", including those with exactly
        one member end, as in science.md §6. If True, "out" keeps only synapses with neither
        end in the assembly, which removes heterosynaptic effects on member↔non-member
        synapses from the reference distribution.
    aggregate : bool, optional
        If True, contacts of the same (pre, post) pair are summed first, so the statistic is
        over connections (total coupling) rather than contacts. Default False.

    Returns
    -------
    dict
        ``mean_in``, ``mean_out``, ``sd_out`` (``ddof=1``), ``n_in``, ``n_out`` and ``snr``;
        NaN where undefined (no "in" synapses, fewer than two "out" synapses), ±inf if
        ``sd_out`` is 0 with a nonzero difference.
    """
    w, pre, post = _synapse_arrays(w, pre, post)
    if aggregate:
        w, pre, post = _aggregate_connections(w, pre, post)
    members = np.asarray(members)
    n = int(max(pre.max(), post.max())) + 1 if pre.size else 0
    members = _as_mask(members, None if members.dtype == bool else n)
    if members.ndim != 1:
        raise ValueError("assembly_snr takes one pattern (1-D membership)")
    both, neither = _co_member(pre, post, members)
    return _weight_stats(w, both, neither if exclude_mixed else ~both)


def _weight_stats(w: np.ndarray, both: np.ndarray, out: np.ndarray) -> dict:
    """:func:`assembly_weight_stats` of the float weights ``w`` with the "in" contacts
    ``both`` and the "out" contacts ``out`` (boolean masks) already chosen."""
    w_in, w_out = w[both], w[out]
    nan = float("nan")
    mean_in = float(w_in.mean()) if w_in.size else nan
    mean_out = float(w_out.mean()) if w_out.size else nan
    sd_out = float(w_out.std(ddof=1)) if w_out.size >= 2 else nan
    with np.errstate(divide="ignore", invalid="ignore"):
        snr = float(np.divide(mean_in - mean_out, sd_out))
    return {
        "mean_in": mean_in,
        "mean_out": mean_out,
        "sd_out": sd_out,
        "n_in": int(w_in.size),
        "n_out": int(w_out.size),
        "snr": snr,
    }


def assembly_snr_snapshots(weights, pre, post, members) -> np.ndarray:
    """:func:`assembly_snr` of every weight vector of ``weights`` (e.g. the snapshots of
    one run) for every assembly of ``members`` (boolean, assemblies x neurons): an array
    snapshots x assemblies, the in/out contacts of each assembly found once instead of
    once per snapshot (``exclude_mixed=False``, no aggregation)."""
    pre = np.asarray(pre).ravel().astype(np.int64, copy=False)
    post = np.asarray(post).ravel().astype(np.int64, copy=False)
    masks = []
    for m in np.asarray(members, dtype=bool):
        both, _ = _co_member(pre, post, m)
        masks.append((both, ~both))
    rows = []
    for w in weights:
        w = np.asarray(w, dtype=float).ravel()
        if w.shape != pre.shape:
            raise ValueError("w, pre and post must have the same length")
        rows.append([_weight_stats(w, both, out)["snr"] for both, out in masks])
    return np.array(rows, dtype=float).reshape(len(rows), len(masks))


def assembly_snr(w, pre, post, members, *, exclude_mixed=False, aggregate=False):
    """Assembly weight signal-to-noise ratio SNR = (⟨w⟩in − ⟨w⟩out) / σout.

    "in" are synapses whose pre- and postsynaptic neurons are both assembly members; "out" are
    all other synapses passed in (restrict the arrays to E→E). See
    :func:`assembly_weight_stats` for the parameters; this returns only ``snr``.

    Returns
    -------
    float
        The SNR (NaN if undefined).
    """
    return assembly_weight_stats(
        w, pre, post, members, exclude_mixed=exclude_mixed, aggregate=aggregate
    )["snr"]


# --------------------------------------------------------------------------------------------
# structure


def silent_fraction(w, threshold):
    """Fraction of synapses whose weight (or Pr) is below ``threshold`` (strictly).

    Use ``threshold=0.04`` on Pr for the paper's silent-bouton rule (science.md §2), or a small
    weight for silent (AMPA-less) synapses. NaN for an empty input.
    """
    w = np.asarray(w, dtype=float).ravel()
    return float(np.mean(w < threshold)) if w.size else float("nan")


def weight_histograms(w, *, pre=None, post=None, members=None, bins=50, range=None,
                      density=False):
    """Histograms of all weights and, with membership, of in- and out-assembly weights.

    Parameters
    ----------
    w : array_like
        Weights.
    pre, post, members : array_like, optional
        Needed together for the in/out split; ``members`` may be (N,) or (P, N) ("in" =
        both ends in a common assembly).
    bins : int or array_like, optional
        Bin count or edges, shared by every histogram. Default 50.
    range : tuple, optional
        ``(low, high)``; default the range of ``w``.
    density : bool, optional
        Normalise each histogram to unit area. Default False (counts).

    Returns
    -------
    dict of ndarray
        ``edges``, ``all`` and, with membership, ``in``, ``out`` (every non-"in" synapse) and
        ``out_strict`` (neither end in any assembly).
    """
    w = np.asarray(w, dtype=float).ravel()
    edges = np.histogram_bin_edges(w, bins=bins, range=range)
    out = {"edges": edges, "all": np.histogram(w, bins=edges, density=density)[0]}
    if members is not None:
        if pre is None or post is None:
            raise ValueError("the in/out split needs pre and post")
        w, pre, post = _synapse_arrays(w, pre, post)
        both, neither = _co_member(pre, post, np.asarray(members, dtype=bool))
        for name, sel in (("in", both), ("out", ~both), ("out_strict", neither)):
            if sel.any():
                out[name] = np.histogram(w[sel], bins=edges, density=density)[0]
            else:
                out[name] = np.zeros(edges.size - 1)
    return out


def contacts_per_connection(pre, post):
    """Number of contacts of every connected (pre, post) pair.

    Returns
    -------
    ndarray of int
        One count per distinct connection (order of the sorted pair keys).
    """
    pre = np.asarray(pre).ravel().astype(np.int64)
    post = np.asarray(post).ravel().astype(np.int64)
    if pre.size == 0:
        return np.zeros(0, dtype=int)
    n = int(max(pre.max(), post.max())) + 1
    _, counts = np.unique(pre * n + post, return_counts=True)
    return counts
