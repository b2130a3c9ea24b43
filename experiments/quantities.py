"""Quantities in config files: ``"<number> <unit>"`` strings <-> Brian2 quantities.

The unit is a product/quotient of Brian2 unit names with optional integer powers
(``"0.8 mM"``, ``"2 s"``, ``"0.062 1/mV"``, ``"5 nS/um^2"``).  :func:`parse_quantity`
looks names up in Brian2's table of units and never evaluates text;
:func:`format_quantity` is its exact inverse.  Both are re-exported by
:mod:`mgnet.experiments.config`.
"""
from __future__ import annotations

import functools
import math
import re

from brian2 import Quantity, Unit, get_dimensions, molar, second
from brian2.units import allunits, fundamentalunits, stdunits

from mgnet.models.units import NUMBER

from .errors import ConfigError

__all__ = ["parse_quantity", "format_quantity"]


# --------------------------------------------------------------------------------------
# Quantities
# --------------------------------------------------------------------------------------
_NUMBER = NUMBER  # the number grammar of mgnet.models.units (issue 16)
_QUANTITY_RE = re.compile(rf"^\s*({_NUMBER})\s*(.*?)\s*$")
_TOKEN_RE = re.compile(r"\s*(?:([A-Za-zµμ_][A-Za-z0-9µμ_]*)|(\d+)|(\*\*|\^|\*|/|\(|\)|-))")
_ALIASES = {"s": second, "sec": second, "min": 60 * second, "h": 3600 * second,
            "M": molar, "1": Quantity(1.0)}


_UNIT_TABLE: dict[str, Unit] = {}


def _unit_table() -> dict[str, Unit]:
    """Unit names Brian2 knows: module attributes (``mvolt``, ``mV``) and display names.

    ``brian2.units.allunits`` only holds the long names (``mvolt``, ``mmolar``); the
    short ones (``mV``, ``mM``, ``ms``, ``nS``, ``Hz``, ``um``) live in ``stdunits``,
    and display names (``str(unit)``) cover every prefixed unit.
    """
    if not _UNIT_TABLE:
        for u in allunits.all_units:
            name = str(u)
            if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
                _UNIT_TABLE.setdefault(name, u)
        for module in (allunits, stdunits, fundamentalunits):
            for name in dir(module):
                obj = getattr(module, name)
                if not name.startswith("_") and isinstance(obj, Unit):
                    _UNIT_TABLE[name] = obj
    return _UNIT_TABLE


def _lookup_unit(name: str):
    name = name.replace("µ", "u").replace("μ", "u")
    if name in _ALIASES:
        return _ALIASES[name]
    obj = _unit_table().get(name)
    if not isinstance(obj, Unit):
        raise ConfigError(f"unknown unit '{name}'")
    return obj


def _parse_unit(text: str, number=None):
    """Parse a unit expression (names, *, /, ^ or ** integer powers, parentheses).

    With ``number`` the result is ``number * unit`` evaluated left to right exactly as
    Python evaluates ``number * nS / um**2`` or ``number / mV``, so a value typed in
    the TOML equals, bit for bit, the same literal written in Python.
    """
    tokens = []
    pos = 0
    text = text.strip()
    while pos < len(text):
        m = _TOKEN_RE.match(text, pos)
        if not m or m.end() == pos:
            raise ConfigError(f"cannot parse unit '{text}'")
        tokens.append(m.group(1) or m.group(2) or m.group(3))
        pos = m.end()
    tokens = [t for t in tokens if t]
    if tokens and tokens[0] == "/":  # "0.062 / mV" is read as "0.062 1/mV"
        tokens.insert(0, "1")
    idx = 0

    def peek():
        return tokens[idx] if idx < len(tokens) else None

    def take():
        nonlocal idx
        idx += 1
        return tokens[idx - 1]

    def atom():
        tok = take() if peek() is not None else None
        if tok is None:
            raise ConfigError(f"incomplete unit '{text}'")
        if tok == "(":
            val = expr()
            if peek() != ")":
                raise ConfigError(f"unbalanced parentheses in unit '{text}'")
            take()
        elif tok.isdigit():
            if int(tok) != 1:
                raise ConfigError(f"unexpected number in unit '{text}'")
            val = Quantity(1.0)
        else:
            val = _lookup_unit(tok)
        if peek() in ("^", "**"):
            take()
            sign = 1
            p = take() if peek() is not None else ""
            if p == "-":  # negative powers, as format_quantity writes them ("mV^-1")
                sign, p = -1, (take() if peek() is not None else "")
            if not p.isdigit():
                raise ConfigError(f"powers in unit '{text}' must be integers")
            val = val ** (sign * int(p))
        return val

    def expr(start=None):
        val = atom() if start is None else start * atom()
        while peek() in ("*", "/"):
            op = take()
            rhs = atom()
            val = val * rhs if op == "*" else val / rhs
        return val

    result = expr(number)
    if idx != len(tokens):
        raise ConfigError(f"cannot parse unit '{text}'")
    return result


def parse_quantity(text: str) -> Quantity:
    """Parse ``"<number> <unit>"`` into a Brian2 quantity without evaluating code.

    Examples
    --------
    >>> parse_quantity("0.8 mM")
    0.8 * mmolar
    """
    if not isinstance(text, str):
        raise ConfigError(f"expected a string like '0.8 mM', got {text!r}")
    m = _QUANTITY_RE.match(text)
    if not m:
        raise ConfigError(f"'{text}' is not '<number> <unit>'")
    number = float(m.group(1))
    unit_text = m.group(2)
    if not unit_text:
        return Quantity(number)
    return Quantity(_parse_unit(unit_text, Quantity(number)))


@functools.cache
def _preferred_units(dim) -> tuple[str, ...]:
    """Everyday unit names (``stdunits``: mM, ms, nS, ...) and their reciprocals of ``dim``."""
    std = {n: u for n, u in _unit_table().items() if n in stdunits.__dict__}
    return (tuple(n for n, u in std.items() if get_dimensions(u) == dim)
            + tuple("1/" + n for n, u in std.items() if get_dimensions(1 / u) == dim))


_BASE_UNIT_NAMES = ("m", "kg", "s", "A", "K", "mol", "cd")


def format_quantity(q) -> str:
    """Inverse of :func:`parse_quantity`: ``parse_quantity(format_quantity(q)) == q`` exactly.

    The value is written in Brian2's best display unit (``"0.8 mM"``) when that unit
    can be parsed back and the number round-trips bit for bit; otherwise (a unit
    Brian2 has no name for, such as 1/V, or a value that prefix scaling would round)
    it is written in SI base units, which is always exact.
    """
    if not isinstance(q, Quantity) or q.is_dimensionless:
        return repr(float(q))
    # Cached by the exact value (its repr tells -0.0 from 0.0) and the dimensions: a
    # resolved config writes some 70 quantities, most of them the same in every config.
    return _format_dimensioned(repr(float(q)), get_dimensions(q))


@functools.lru_cache(maxsize=8192)
def _format_dimensioned(value_repr: str, dims) -> str:
    """:func:`format_quantity` of the quantity ``float(value_repr)`` with ``dims``."""
    value = float(value_repr)
    q = Quantity(value, dim=dims)
    candidates = []
    # Zero and non-finite values have no "best" unit of their own: ask for one of size 1.
    probe = q if value != 0 and math.isfinite(value) else Quantity(1.0, dim=get_dimensions(q))
    # Reciprocal units (1/mV) have no Brian2 name of their own.
    makers = [lambda: str(probe.get_best_unit()),
              lambda: "1/" + str((1 / probe).get_best_unit())]
    for make in makers:
        try:
            candidates.append(make())
        except (ValueError, TypeError, KeyError):
            pass
    # The usual short names (mM, ms, nS, ...) often give a shorter exact form.
    preferred = _preferred_units(get_dimensions(q))
    candidates += preferred
    exact = []
    for name in candidates:
        try:
            scale = float(_parse_unit(name))
        except ConfigError:
            continue  # Brian2 prints unnamed units as "m^-2 kg^-1 s^3 A"
        if not (math.isfinite(scale) and scale):
            continue
        # str(q) would print only 8 significant digits; use the shortest exact form.
        for digits in (15, 16, 17):
            text = f"{value / scale:.{digits}g} {name}"
            try:
                back = parse_quantity(text)
            except ConfigError:
                break
            if get_dimensions(back) == get_dimensions(q) and float(back) == value:
                exact.append(text)
                break
    if exact:
        # Shortest first; on ties the everyday units (mV, 1/mV) over V^-1 and friends.
        return min(exact, key=lambda t: (len(t), t.split(" ", 1)[1] not in preferred))
    dims = get_dimensions(q)
    parts = [n if p == 1 else f"{n}^{int(p)}"
             for n, p in zip(_BASE_UNIT_NAMES, dims._dims, strict=True) if p]
    return f"{value!r} {'*'.join(parts)}"
