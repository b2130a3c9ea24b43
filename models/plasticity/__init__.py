"""Calcium-based synaptic plasticity of every excitatory contact (Graupner & Brunel 2012).

Graupner & Brunel (2012) PNAS 109:3991, eq. 1, with the noise term of their Correction
(PNAS 109:21551, doi:10.1073/pnas.1220044110); science.md §4 item 5; docs/plasticity.md::

    τ dρ/dt = −ρ(1−ρ)(ρ*−ρ) + γ_p(1−ρ)Θ[c−θ_p] − γ_d ρ Θ[c−θ_d]
              + σ√τ √(Θ[c−θ_p] + Θ[c−θ_d]) η(t)
    dc/dt = −c/τ_Ca + Σ_pre C_pre,eff δ(t − t_pre − D) + Σ_post C_post δ(t − t_post)

with Θ[x] = 1 for x ≥ 0 and η unit Gaussian white noise.  The AMPA quantal size of the
contact follows the efficacy, q = q_down (1 + (b − 1) ρ) (w = w0 + ρ(w1 − w0), b = w1/w0).

**Mg2+ reaches plasticity mechanistically.**  The presynaptic jump of a spike is
C_pre,eff = C_pre × (NMDA Ca2+ of this release) / (NMDA Ca2+ of one reference release of
the same receptor content at the preset's fitting condition: ref_v, ref_mg_o, ref_ca_o,
ref_glun2b_fraction).  The NMDA Ca2+ is the ``ca_2a + ca_2b`` of
:func:`mgnet.models.nmda_calcium.nmda_ca_on_pre`: the integral of the conductance times the
block and the Ca2+ driving force through the postsynaptic voltage with bAP kernels
([Mg]o, [Ca]o, GluN2A/GluN2B, the release itself: failures give 0; the network gain of
q_nmda removed by ``nmda_gain``), and the reference is that very code evaluated with
numpy, so there is one formula.  A postsynaptic spike adds C_post at the medium's [Ca]o
(:func:`c_post_at`) plus C_pre times the NMDA excess ``cx_2a + cx_2b`` its bAP gives the
receptors the contact has open (docs/plasticity.md §2).

**Event-driven scheme (no per-contact ODE, no clock).**  Between Ca2+ events c decays
from its value c0 just after the last event, so in an interval of length L the time
spent above θ is T_θ = clip(τ_Ca ln(c0/θ), 0, L), in closed form.  At every event
(delayed presynaptic transient, postsynaptic spike, and also at each release, before its
conductances, so that the release uses q = w(ρ) of its own time) ρ is advanced over the
elapsed interval in three exact pieces, in the order they occur:

1. above both thresholds (T_hi): linear drift with rate (γ_p + γ_d)/τ towards
   ρ̄ = γ_p/(γ_p + γ_d) plus the exact Ornstein–Uhlenbeck increment (variance
   σ²(1 − e^{−2kT})/((γ_p+γ_d)) with k = (γ_p + γ_d)/τ, from the noise intensity 2σ²/τ);
2. above the lower threshold only (T_lo − T_hi): decay at γ_d/τ to 0 (or rise at γ_p/τ
   to 1 if θ_p < θ_d) with its exact OU increment (noise intensity σ²/τ);
3. below both (L − T_lo): the cubic alone, exact for ρ* = ½:
   ρ(t) = ½ + ½ x0 / √(x0² + (¼ − x0²) e^{−t/(2τ)}),  x0 = ρ0 − ½
   (= ½ − sign(½−ρ0)·½/√(1 + y0 e^{−t/(2τ)}), y0 = ρ0(1−ρ0)/(½−ρ0)², written so
   that ρ0 = ½, 0, 1 need no special case; derivation in docs/plasticity.md).

The one approximation: inside intervals 1 and 2 the cubic term is dropped (the
time-above-threshold approximation of Graupner & Brunel's analysis).  Its error per
interval is at most (√3/36)·T/τ ≈ 0.048 T/τ (T ~ tens of ms, τ ~ 30–700 s: < 1e-4).
With ``bistable=False`` there is no cubic and the scheme is exact.  ρ is clipped to
[0, 1] after each noisy piece.  Splitting an interval at an extra event is exact (the
pieces compose), so the extra advance at releases changes nothing but q, and leaving an
advance out is exact too: after a failed release (q is only used by a release) and at a
delayed transient of amplitude 0 (a failure's) no advance runs.  Work that a contact does
not need is skipped in the same way (mgnet.models.backend.skip_unless): the linear pieces when
Ca2+ starts below θ_lo, the first one when it starts below θ_hi, a noise draw for a
piece of length 0, the change of ρ and q while ``plasticity_on`` is 0.  These change
only the random stream (fewer draws) and the rounding.

**Delay and bursts.**  The release is decided at the presynaptic spike; its C_pre,eff is
pushed onto a per-contact FIFO (``cpend_1..K``, ``n_pend``) and popped by the delayed
pathway ``ca_pre`` (Brian2 pathway with delay D + synaptic delay).  Up to K =
``pending_slots`` (default 4) transients can be in flight, i.e. presynaptic rates up to
K/D (400 Hz for D = 10 ms) are exact.  Beyond that the extra amplitude is merged into the
newest pending slot, i.e. delivered up to one interspike interval early; total Ca2+ is
conserved.

The stored ``rho`` is as of each contact's last event (``t_pl``); :func:`current_rho`
projects it to any time (deterministic part) for read-out.

Only this module's names start with ``pl_`` in the Brian2 namespace; per-contact
variables: ``rho``, ``c_pl``, ``t_pl``, ``q_down``, ``c_pre_sum`` (a read-out), ``n_pend``,
``cpend_k`` and the shared switches ``plasticity_on`` (0 freezes ρ and q, e.g. for
recall; Ca2+ keeps being tracked) and ``calcium_on`` (0: the rule's Ca2+ is no longer
tracked; only with plasticity frozen for the rest of the simulation,
:func:`end_plasticity`).

The subpackage's modules: :mod:`.rule` (the Brian2 code of the rule and its constants),
:mod:`.contacts` (plastic contacts: :func:`plasticity_blocks`,
:func:`make_plastic_contacts`), :mod:`.numpy_twin` (the same code run with numpy:
:func:`advance_rho`, :func:`current_rho`), :mod:`.calcium` (the plasticity Ca2+ of a
contact with numpy: :func:`reference_nmda_ca`, :func:`calcium_events`) and
:mod:`.closed_form` (time above thresholds, the linear (OU) reduction, Graupner &
Brunel's predictions).
"""
from __future__ import annotations

from ..parameters import (
                          PLASTICITY_PRESET_SOURCES,
                          PLASTICITY_PRESETS,
                          PlasticityParams,
                          plasticity_preset,
)
from .calcium import calcium_events, reference_nmda_ca
from .closed_form import (
                          _pieces,  # noqa: F401  (re-exported, not in __all__)
                          change_in_strength,
                          event_segments,
                          linear_moments,
                          pair_segments,
                          protocol_outcome,
                          stdp_prediction,
                          time_above_thresholds,
)
from .contacts import (
                          end_plasticity,
                          make_plastic_contacts,
                          plasticity_blocks,
                          q_down_for,
                          rho_to_weight,
                          weight_to_rho,
)
from .numpy_twin import advance_rho, cubic_relax, current_rho
from .rule import CA_PRE_PATHWAY, advance_code, c_post_at, plasticity_namespace

__all__ = ["PlasticityParams", "PLASTICITY_PRESETS", "PLASTICITY_PRESET_SOURCES",
           "plasticity_preset", "CA_PRE_PATHWAY", "advance_code", "plasticity_blocks",
           "plasticity_namespace", "end_plasticity",
           "reference_nmda_ca", "make_plastic_contacts", "rho_to_weight", "weight_to_rho",
           "q_down_for", "cubic_relax", "advance_rho", "current_rho", "event_segments",
           "time_above_thresholds", "pair_segments", "linear_moments", "stdp_prediction",
           "change_in_strength", "calcium_events", "protocol_outcome", "c_post_at"]
