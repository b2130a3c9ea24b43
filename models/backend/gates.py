"""Work that may be skipped: gated statement blocks (``OPTIMISATIONS["skip_dead_work"]``).

:func:`skip_unless` tags Brian2 statements with a gate in their comments; the helpers
below plan where the gates open and close (:func:`_gate_plan`), write the lines of a
gated code block (:func:`_gated_lines`) and choose the arrays that one gated block alone
loads and stores (:func:`_region_arrays`), for the code generators of
:mod:`.generators`.  Part of :mod:`mgnet.models.backend`.
"""
from __future__ import annotations

import re

__all__ = ["skip_unless"]

#: Tag of a gated statement in its comment (written by :func:`skip_unless`).
_GATE_TAG = re.compile(r"@skip_unless\((\w+)\)\s*")


def skip_unless(condition: str, code: str, name: str) -> str:
    """Mark the Brian2 statements ``code`` as work that may be skipped where ``condition``
    is 0 (for a synapse, neuron, ...), without an ``if`` in the abstract code.

    Returns ``code`` preceded by the statement ``gate_<name> = <condition>`` and with
    every statement tagged ``@skip_unless(gate_<name>)`` in its comment.  The
    code-generation classes of :func:`code_object_class` (cpp_standalone, Cython) then
    run the tagged statements inside ``if (gate_<name>) {...}``; any other generator, and
    Brian2's own classes (``OPTIMISATIONS["skip_dead_work"]`` off, the ablation), run
    them unconditionally, which is the reference.  Gates nest (apply ``skip_unless`` to
    code that contains gated blocks) and may be used in any code string.

    The block must be skippable where the condition is 0: there it either changes
    nothing (it computes terms that are multiplied by zero, or adds 0), or its work can
    be left out exactly (e.g. advancing the plasticity state over an interval that the
    next advance covers anyway).  Skipping changes the random stream where the block
    draws random numbers.  A temporary first assigned inside the block reads 0 after it
    where the block was skipped, so a temporary used afterwards must also be 0 when the
    block runs with the condition 0 (e.g. a Ca2+ amplitude proportional to
    ``release``).  Statements of the block that Brian2 runs once per time step (scalar
    code) are not gated; they must not write shared variables.

    Parameters
    ----------
    condition : str
        Brian2 expression; the block runs where it is non-zero.
    code : str
        Brian2 statements (one per line; comments kept).
    name : str
        Identifier of the gate (unique within a code block).
    """
    if not re.fullmatch(r"[A-Za-z]\w*", name):
        raise ValueError(f"gate name must be an identifier, got {name!r}")
    gate = f"gate_{name}"
    out = [f"{gate} = {condition}    # skip-unless gate (mgnet.models.backend.skip_unless)"]
    for line in code.splitlines():
        text, _, comment = line.partition("#")
        for stmt in text.split(";"):
            if stmt.strip():
                out.append(f"{stmt.strip()}    # @skip_unless({gate}) {comment.strip()}")
    return "\n".join(out) + "\n"


def _gate_path(stmt) -> tuple:
    """Gates of a statement, outermost first (from its comment)."""
    return tuple(_GATE_TAG.findall(stmt.comment or ""))


def _untagged(stmt, **changes):
    """A copy of ``stmt`` without gate tags in its comment (and other ``changes``)."""
    import copy
    new = copy.copy(stmt)
    new.comment = _GATE_TAG.sub("", stmt.comment or "").strip()
    for k, v in changes.items():
        setattr(new, k, v)
    return new


def _gate_plan(generator, statements):
    """(statement, gate path) per statement, and the temporaries first assigned inside a
    gate (declared before the block, initialised to 0).  Scalar statements and
    statements with no tag get the empty path."""
    plan, hoisted, defined = [], {}, set()
    assigned = {stmt.var for stmt in statements}
    for stmt in statements:
        path = () if stmt.scalar else _gate_path(stmt)
        if stmt.scalar and _gate_path(stmt) and not stmt.var.startswith("gate_"):
            # (A gate's own condition may be scalar, e.g. a shared switch: it is only
            # read as the condition of its block.)
            raise ValueError(f"gated statement '{stmt}' is scalar (computed once per "
                             f"time step): it cannot be gated; compute it outside the "
                             f"block")
        for gate in path:
            if gate in assigned and gate not in defined:
                raise ValueError(f"gate '{gate}' is used before it is assigned "
                                 f"(statement '{stmt}')")
        if path and stmt.op == ":=" and stmt.var not in generator.variables:
            hoisted[stmt.var] = stmt.dtype
        if stmt.var in path:
            raise ValueError(f"gate '{stmt.var}' is assigned inside its own block")
        defined.add(stmt.var)
        plan.append((stmt, path))
    return plan, hoisted


def _gated_lines(generator, statements, conditional_write_vars, *, open_gate, close_gate,
                 declare, indent_unit, region_loads=None, region_stores=None):
    """Lines of ``statements`` with gated runs wrapped by ``open_gate(gate)`` /
    ``close_gate()``; ``declare(var, dtype)`` declares a hoisted temporary;
    ``region_loads`` / ``region_stores`` map a depth-1 gate region (0, 1, ...: each
    opening of an outermost gate) to the lines that load / store the arrays that only
    that region uses (:func:`_region_arrays`)."""
    plan, hoisted = _gate_plan(generator, statements)
    lines = [declare(var, dtype) for var, dtype in hoisted.items()]
    stack, region = [], -1

    def close():
        if len(stack) == 1:
            for store in (region_stores or {}).get(region, ()):
                lines.append(indent_unit + store)
        stack.pop()
        closing = close_gate()
        if closing:
            lines.append(indent_unit * len(stack) + closing)

    for stmt, path in plan:
        common = 0
        while common < min(len(stack), len(path)) and stack[common] == path[common]:
            common += 1
        while len(stack) > common:
            close()
        for gate in path[common:]:
            lines.append(indent_unit * len(stack) + open_gate(gate))
            stack.append(gate)
            if len(stack) == 1:
                region += 1
                for load in (region_loads or {}).get(region, ()):
                    lines.append(indent_unit + load)
        if stmt.var in hoisted and stmt.op == ":=":
            stmt = _untagged(stmt, op="=", constant=False)
        else:
            stmt = _untagged(stmt)
        code = generator.translate_statement(stmt)
        if stmt.var in conditional_write_vars:
            code = (generator._conditional_prefix(conditional_write_vars[stmt.var])
                    + "\n" + indent_unit + code)
        for line in code.split("\n"):
            lines.append(indent_unit * len(stack) + line)
    while stack:
        close()
    return lines


def _region_arrays(generator, statements, read, write, indices, exclude):
    """Arrays accessed by the statements that one depth-1 gate region (each opening of
    an outermost gate: 0, 1, ...) can load or store by itself, so that a skipped block
    costs no memory traffic: ``(loads, stores)``, each ``{region: names}``.

    ``loads``: arrays that only that region reads or writes, loaded when its outermost
    gate opens instead of before all the statements; an index array (e.g.
    ``_postsynaptic_idx``) moves with them if every array it indexes does.  ``stores``:
    arrays that only that region writes, stored before its outermost gate closes
    instead of after all the statements (where the block is skipped, the line is not
    written).  ``exclude``: names that must stay outside."""
    from brian2.utils.stringtools import get_identifiers
    users: dict = {}
    writers: dict = {}
    region, previous = -1, ()
    for stmt in statements:
        path = () if stmt.scalar else _gate_path(stmt)
        if path and (not previous or previous[0] != path[0]):
            region += 1          # a depth-1 gate opens (as _gated_lines counts them)
        previous = path
        where = region if path else None
        for name in get_identifiers(stmt.expr) | {stmt.var}:
            if name in read or name in write:
                users.setdefault(name, set()).add(where)
        if stmt.var in write:
            writers.setdefault(stmt.var, set()).add(where)

    def single(table):
        out: dict = {}
        for name, regions in table.items():
            if name in exclude or len(regions) != 1 or None in regions:
                continue
            out.setdefault(next(iter(regions)), set()).add(name)
        return out

    loads, stores = single(users), single(writers)
    moved = {n: r for r, names in loads.items() for n in names}
    for index in indices:
        dependants = {n for n in read | write if generator.variable_indices[n] == index}
        regions = {moved.get(n) for n in dependants}
        if dependants and len(regions) == 1 and None not in regions and index not in users:
            loads[next(iter(regions))].add(index)
    return loads, stores


def _arrays_helper(generator, statements, base):
    """Brian2's (read, write, indices, conditional writes), where an array written in a
    gated block is also read: its value is stored back after the statements, and must
    be its old value where the block was skipped."""
    read, write, indices, cond = base(statements)
    read |= {s.var for s in statements if s.var in write and _gate_path(s)}
    return read, write, indices, cond
