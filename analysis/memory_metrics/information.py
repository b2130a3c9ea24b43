"""Information per synapse: what its weight carries about the stored assemblies, and the
capacity-based (Gardner / Willshaw style) stored bits.
"""
from __future__ import annotations

import numpy as np

from ..statistics import binary_entropy
from .structure import _co_member, _synapse_arrays

# --------------------------------------------------------------------------------------------
# information


def _mi_from_counts(n11, n10, n01, n00):
    """Plug-in mutual information (bits) of 2x2 tables given as count arrays.

    ``n11``: label & above, ``n10``: label & not above, ``n01``: not label & above,
    ``n00``: neither. Works elementwise on arrays of tables.
    """
    n = n11 + n10 + n01 + n00
    cells = np.stack([n11, n10, n01, n00]).astype(float) / n
    p_label = (n11 + n10) / n
    p_above = (n11 + n01) / n
    marg = np.stack([p_label * p_above, p_label * (1 - p_above),
                     (1 - p_label) * p_above, (1 - p_label) * (1 - p_above)])
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(cells > 0, cells * np.log2(cells / marg), 0.0)
    return terms.sum(axis=0)


def bits_per_synapse(w, pre, post, members, *, threshold=None):
    """Information about the stored assemblies carried per synapse by its weight.

    Definition: the mutual information I(L; B) (bits) between a synapse's binary label
    L = "both ends belong to a common assembly" and its binarised weight B = (w > θ). This is
    the information that an ideal single-threshold reader of one synapse gains about the
    stored structure, so the network's total stored information is ``n_synapses`` times it
    and the value is already "per synapse". It is measured from the weights themselves,
    unlike the capacity-based :func:`stored_bits_per_synapse`, so it can be tracked over
    consolidation and compared between conditions at equal P. It is bounded by H(L), reached
    when in- and out-weights are perfectly separated, and is 0 when weights are independent
    of the assemblies.

    Parameters
    ----------
    w, pre, post : array_like
        Contacts (restrict to E→E).
    members : array_like of bool, shape (N,) or (P, N)
        Membership of one or several patterns.
    threshold : float, optional
        Binarisation threshold θ. If None, θ maximises I exactly over every split of the
        sorted weights (the best single-threshold reader). The plug-in estimate is biased
        upward by ≈ 1/(2 n ln 2) bits for n synapses and the choice of the best split adds a
        selection bias of a few times that: negligible for the 10⁴–10⁶ synapses of a network,
        not for a few hundred. Fix θ (e.g. from a separate run) to avoid the selection part.

    Returns
    -------
    dict
        ``bits_per_synapse`` (I(L; B)), ``threshold`` (θ used), ``label_entropy`` (H(L), the
        upper bound), ``n_synapses`` and ``total_bits`` (``n_synapses`` · I).
    """
    w, pre, post = _synapse_arrays(w, pre, post)
    label, _ = _co_member(pre, post, np.asarray(members, dtype=bool))
    n = w.size
    if n == 0:
        nan = float("nan")
        return {"bits_per_synapse": nan, "threshold": nan, "label_entropy": nan,
                "n_synapses": 0, "total_bits": nan}
    n_label = int(label.sum())
    if threshold is None:
        order = np.argsort(w, kind="stable")
        ws, ls = w[order], label[order]
        # Candidate θ = each distinct value: "above" is everything after its last occurrence.
        last = np.flatnonzero(np.r_[ws[1:] != ws[:-1], True])
        below_label = np.cumsum(ls)[last]
        below_all = last + 1
        n10 = below_label
        n00 = below_all - below_label
        n11 = n_label - n10
        n01 = (n - n_label) - n00
        mi_all = _mi_from_counts(n11, n10, n01, n00)
        k = int(np.argmax(mi_all))
        mi, thr = float(mi_all[k]), float(ws[last[k]])
    else:
        thr = float(threshold)
        above = w > thr
        mi = float(_mi_from_counts(np.sum(label & above), np.sum(label & ~above),
                                   np.sum(~label & above), np.sum(~label & ~above)))
    return {
        "bits_per_synapse": max(mi, 0.0),
        "threshold": thr,
        "label_entropy": binary_entropy(n_label / n),
        "n_synapses": int(n),
        "total_bits": max(mi, 0.0) * n,
    }


def stored_bits_per_synapse(P, n_neurons, f, n_synapses):
    """Capacity-based stored information per synapse (Gardner / Willshaw style).

    P random binary patterns of N neurons with coding level f hold P·N·H(f) bits; dividing by
    the number of synapses gives the bits per synapse the network stores when it recalls P
    patterns (use P = :func:`capacity`). It credits every bit of the patterns as stored, so it
    is an upper-bound style figure for comparison with theory (Gardner 1988: 2 bits per
    synapse for dense patterns in the perceptron limit).

    Parameters
    ----------
    P : float
        Number of patterns (e.g. the capacity).
    n_neurons : int
        Neurons per pattern vector (E cells).
    f : float
        Coding level (assembly fraction).
    n_synapses : int
        Plastic synapses (contacts or connections, stated by the caller).

    Returns
    -------
    float
        P·N·H(f) / n_synapses in bits.
    """
    return float(P * n_neurons * binary_entropy(f) / n_synapses)
