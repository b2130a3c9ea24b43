"""Memory-encoding metrics of science.md §6, computed from saved spikes and weights.

The memory experiments (encoding of P cell assemblies, consolidation under spontaneous network
bursts, cued recall with plasticity off) are scored with:

- assembly weight SNR (Δ⟨w⟩ / σout), after encoding and over consolidation time
  (:func:`assembly_snr`, :func:`forgetting_curve`, :func:`lifetime`);
- recall overlap, recall latency, false activation and the pattern-completion curve
  (:func:`recall_overlap`, :func:`recall_latency`, :func:`false_activation`,
  :func:`completion_curve`, :func:`active_from_spikes`);
- encoding speed (:func:`presentations_to_criterion`);
- capacity and bits per synapse (:func:`capacity`, :func:`capacity_from_trials`,
  :func:`bits_per_synapse`, :func:`stored_bits_per_synapse`);
- retention of the synaptic states themselves (:func:`state_kappa`, :func:`trace_lifetime`);
- structure (:func:`silent_fraction`, :func:`weight_histograms`, :func:`contacts_per_connection`);
- the instrument of issue 14 (science.md §6): the rate read-out Q of Luboeinski & Tetzlaff
  (2021) (:func:`rates_in_window`, :func:`recall_q`), the rejection of cues that fall into a
  spontaneous network burst (:func:`cues_in_bursts`), and the encoding metric Δf_UP with its
  z-score against random pseudo-assemblies (:func:`up_fraction_difference`,
  :func:`up_fraction_z`).

All inputs are plain arrays: spike times in seconds with integer neuron ids (SONATA layout);
synapses as parallel arrays ``w``, ``pre``, ``post`` (one entry per contact); assembly
membership as boolean vectors over neurons (or a ``(P, N)`` boolean matrix for several
patterns). This module never imports brian2.
"""

from __future__ import annotations

from ..statistics import binary_entropy
from .capacity import capacity, capacity_from_trials
from .information import bits_per_synapse, stored_bits_per_synapse
from .instrument import (
                        cues_in_bursts,
                        rates_in_window,
                        recall_q,
                        up_fraction_difference,
                        up_fraction_z,
)
from .recall import (
                        active_from_spikes,
                        completion_curve,
                        false_activation,
                        presentations_to_criterion,
                        recall_latency,
                        recall_overlap,
)
from .retention import forgetting_curve, lifetime, state_kappa, trace_lifetime

# Not in __all__, but importable from here before the split: kept importable.
from .structure import (
                        _co_member,  # noqa: F401
                        assembly_snr,
                        assembly_weight_stats,
                        contacts_per_connection,
                        silent_fraction,
                        weight_histograms,
)

__all__ = [
    "assembly_weight_stats",
    "assembly_snr",
    "recall_overlap",
    "recall_latency",
    "false_activation",
    "completion_curve",
    "presentations_to_criterion",
    "capacity",
    "capacity_from_trials",
    "forgetting_curve",
    "lifetime",
    "state_kappa",
    "trace_lifetime",
    "bits_per_synapse",
    "stored_bits_per_synapse",
    "binary_entropy",
    "silent_fraction",
    "weight_histograms",
    "contacts_per_connection",
    "active_from_spikes",
    "rates_in_window",
    "recall_q",
    "cues_in_bursts",
    "up_fraction_difference",
    "up_fraction_z",
]
