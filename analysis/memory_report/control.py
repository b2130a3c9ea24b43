"""Whether there is anything to compare: the frozen protocol's positive control
(experiments/configs/memory_protocol.toml, written by ``mgnet calibrate-memory``), the
sentences the sections and captions say about it, and the report's convention of when an
assembly counts as encoded.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from .encoding_metrics import SNR_CRITERION

#: The positive control's frozen protocol (experiments/calibrate_memory.py writes it).
PROTOCOL_FILE = Path(__file__).resolve().parents[2] / "experiments" / "configs" / \
    "memory_protocol.toml"


def positive_control() -> dict:
    """The frozen protocol's record: ``positive_control`` (all targets met in >= 4 of 5
    calibration seeds), ``targets_met``, ``protocol``, ``git_commit`` ({} if absent)."""
    import tomllib
    if not PROTOCOL_FILE.exists():
        return {}
    data = tomllib.loads(PROTOCOL_FILE.read_text())
    return {"positive_control": bool(data.get("positive_control", False)),
            "targets_met": list(data.get("targets_met", [])),
            "protocol": str(data.get("protocol", "")),
            "options": dict(data.get("options", {})),
            "git_commit": str(data.get("provenance", {}).get("git_commit", ""))}


def _control_caption() -> str:
    """One sentence on the positive control for the memory figures' captions."""
    pc = positive_control()
    if not pc:
        return "Positive control: not calibrated, so no comparison is interpretable."
    if pc["positive_control"]:
        return "Positive control: met on the calibration seeds."
    return ("Positive control: not met (targets met: "
            + (", ".join(pc["targets_met"]) or "none")
            + "), so these curves compare states that do not hold the encoded assemblies.")


def _control_sentence(pc: dict) -> str:
    if not pc:
        return ("**Positive control: not calibrated** (`mgnet calibrate-memory` has not "
                "been run); every comparison below is made without a working positive "
                "control.")
    if pc["positive_control"]:
        return (f"**Positive control: met.** The frozen protocol `{pc['protocol']}` "
                f"(experiments/configs/memory_protocol.toml, commit "
                f"{pc['git_commit'][:10]}) met every target on the calibration seeds.")
    met = ", ".join(pc["targets_met"]) or "none"
    return (f"**Positive control: not met.** On the calibration seeds (baseline, 1000-1004) "
            f"the frozen protocol `{pc['protocol']}` met only: {met} (of the four targets "
            "encoding, recall, retention, bands; experiments/configs/memory_protocol.toml, "
            f"commit {pc['git_commit'][:10]}): **every comparison below is made without a "
            "working positive control**, so a difference between conditions is a "
            "difference between states that do not hold the encoded assemblies "
            "(docs/plasticity.md §9 says why: in this culture a spontaneous network burst "
            "drives every contact to the fixed point an encoding presentation drives it "
            "to, and erases a trace within about 1.3 bursts).")


#: An assembly counts as encoded when its mean SNR after encoding reaches this or the
#: mean recall overlap reaches :data:`ENCODED_OVERLAP` (a convention of this report).
ENCODED_SNR = SNR_CRITERION
ENCODED_OVERLAP = 0.1


def _encoded(snr: float, overlap: float) -> bool:
    return bool((np.isfinite(snr) and snr >= ENCODED_SNR)
                or (np.isfinite(overlap) and overlap >= ENCODED_OVERLAP))
