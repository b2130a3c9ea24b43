"""Number-and-unit strings (``"0.83 mM"``, ``"50 ms"``) as floats in a fixed unit.

The one float unit parser of the package (issue 16).  Standard library only, so that
``models/parameters.py`` (which reads the calibration file on first use), ``experiments``
(calibrate) and ``analysis/`` (which never imports Brian2: run configs' time and
concentration strings) all use it.

:func:`mgnet.experiments.config.parse_quantity` is the Brian2 counterpart with a different
purpose: any unit expression (``"0.062 / mV"``, ``"nS / um**2"``) into a Brian2 quantity,
bit-equal to the same literal written in Python.  It shares :data:`NUMBER`; it is not a
wrapper of this module (a quantity divided back by its unit is not always bit-equal to the
number typed, and this module must not need Brian2).
"""
from __future__ import annotations

import re

__all__ = ["NUMBER", "FACTORS", "parse_value"]

#: A decimal number as the config files write it (no inf / nan).
NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"

_VALUE_RE = re.compile(rf"^\s*({NUMBER})\s*([A-Za-zµμ]\w*)\s*$")

_TIME_NAMES = {"s": 1.0, "second": 1.0, "ms": 1e-3, "msecond": 1e-3, "us": 1e-6,
               "µs": 1e-6, "usecond": 1e-6, "min": 60.0, "h": 3600.0, "ks": 1e3}

#: Target unit -> {unit as written: factor straight to the target}.  The factor is applied
#: once (``float(number) * factor``), never through an intermediate unit, so ``"0.83 mM"``
#: is exactly 0.83 in mM and ``"0.3 s"`` exactly 0.3 * 1e3 in ms.
FACTORS: dict[str, dict[str, float]] = {
    "mM": {"mM": 1.0, "M": 1e3, "uM": 1e-3, "µM": 1e-3},
    "s": dict(_TIME_NAMES),
    "ms": {"ms": 1.0, "msecond": 1.0, "s": 1e3, "second": 1e3, "ks": 1e6, "us": 1e-3,
           "µs": 1e-3, "usecond": 1e-3, "min": 6e4, "h": 3.6e6},
}


def parse_value(text, unit: str) -> float:
    """``"<number> <unit>"`` -> the number in ``unit`` (a key of :data:`FACTORS`).

    Examples: ``parse_value("830 uM", "mM")`` is 0.83; ``parse_value("50 ms", "s")`` is
    0.05.  The space between number and unit is optional.

    Raises
    ------
    ValueError
        If ``text`` is not a number followed by a unit of ``unit``'s dimension (a bare
        number, a wrong dimension, ``inf`` / ``nan``, an unknown unit), or if ``unit`` is
        not a key of :data:`FACTORS`.
    """
    scale = FACTORS.get(unit)
    if scale is None:
        raise ValueError(f"no conversion to '{unit}' (known: {', '.join(FACTORS)})")
    m = _VALUE_RE.match(str(text))
    if not m or m.group(2) not in scale:
        raise ValueError(f"cannot parse '{text}' as a value in {unit} "
                         f"(expected e.g. '1.5 {unit}'; units: {', '.join(scale)})")
    return float(m.group(1)) * scale[m.group(2)]
