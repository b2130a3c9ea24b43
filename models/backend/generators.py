"""Brian2's C++ and Cython code generators that honour :func:`.gates.skip_unless` gates
(the code-generation classes of :func:`.code_objects.code_object_class`): gated blocks
run inside an ``if``, and the C++ generator loads and stores an array inside the one
gated block that alone uses it.  Part of :mod:`mgnet.models.backend`."""
from __future__ import annotations

from .gates import _arrays_helper, _gate_path, _gated_lines, _region_arrays

__all__: list[str] = []


def _cpp_generator_class():
    """Brian2's C++ generator with :func:`.gates.skip_unless` gates (imported when first
    needed, as Brian2's generators are)."""
    from brian2.codegen.generators.cpp_generator import CPPCodeGenerator
    from brian2.utils.stringtools import stripped_deindented_lines

    class MgnetCPPCodeGenerator(CPPCodeGenerator):
        """C++ generator: gated blocks run inside ``if (gate) {...}``; arrays that only
        one gated block uses are loaded (and stored) inside it."""

        def arrays_helper(self, statements):
            return _arrays_helper(self, statements, super().arrays_helper)

        def _conditional_prefix(self, condvar):
            return f"if({condvar})"

        def translate_to_statements(self, statements, conditional_write_vars):
            if not any(_gate_path(s) for s in statements):
                return super().translate_to_statements(statements, conditional_write_vars)
            return _gated_lines(
                self, statements, conditional_write_vars,
                open_gate=lambda g: f"if ({g}) {{", close_gate=lambda: "}",
                declare=lambda v, dt: f"{self.c_data_type(dt)} {v} = 0;",
                indent_unit="    ", region_loads=getattr(self, "_region_loads", None),
                region_stores=getattr(self, "_region_stores", None))

        def translate_statement_sequence(self, sc_statements, ve_statements):
            kwds = self.determine_keywords()
            sc_code, ve_code = {}, {}
            for block_name in sc_statements:
                sc_block, ve_block = sc_statements[block_name], ve_statements[block_name]
                sc_read, sc_write, sc_indices, sc_cond = self.arrays_helper(sc_block)
                ve_read, ve_write, ve_indices, ve_cond = self.arrays_helper(ve_block)
                for varname in set(ve_read):
                    var = self.variables[varname]
                    if var.scalar and varname not in ve_write:
                        sc_read.add(varname)
                        ve_read.remove(varname)
                for code, stmts, read, write, indices, cond, vector in [
                        (sc_code, sc_block, sc_read, sc_write, sc_indices, sc_cond, False),
                        (ve_code, ve_block, ve_read, ve_write, ve_indices, ve_cond, True)]:
                    loads, stores = {}, {}
                    if vector and any(_gate_path(s) for s in stmts):
                        loads, stores = _region_arrays(self, stmts, read, write, indices,
                                                       set(cond) | set(cond.values()))
                    moved = {n for names in loads.values() for n in names}
                    stored = {n for names in stores.values() for n in names}
                    self._region_loads = {
                        r: self.translate_to_read_arrays(names & read, write,
                                                         names & set(indices))
                        for r, names in loads.items()}
                    self._region_stores = {
                        r: self.translate_to_write_arrays(names)
                        for r, names in stores.items()}
                    lines = self.translate_to_read_arrays(read - moved, write,
                                                          set(indices) - moved)
                    lines += self.translate_to_declarations(read, write - moved, indices)
                    lines += self.translate_to_statements(stmts, cond)
                    lines += self.translate_to_write_arrays(write - stored)
                    self._region_loads = self._region_stores = None
                    code[block_name] = stripped_deindented_lines("\n".join(lines))
            return sc_code, ve_code, kwds

    return MgnetCPPCodeGenerator


def _cython_generator_class():
    """Brian2's Cython generator with :func:`.gates.skip_unless` gates."""
    from brian2.codegen.generators.cython_generator import CythonCodeGenerator

    class MgnetCythonCodeGenerator(CythonCodeGenerator):
        """Cython generator: gated blocks run inside ``if gate:``."""

        def arrays_helper(self, statements):
            return _arrays_helper(self, statements, super().arrays_helper)

        def _conditional_prefix(self, condvar):
            return f"if {condvar}:"

        def translate_to_statements(self, statements, conditional_write_vars):
            if not any(_gate_path(s) for s in statements):
                return super().translate_to_statements(statements, conditional_write_vars)
            for stmt in statements:
                if stmt.op == ":=" and stmt.var not in self.variables:
                    self.temporary_vars.add((stmt.var, stmt.dtype))
            return _gated_lines(
                self, statements, conditional_write_vars,
                open_gate=lambda g: f"if {g}:", close_gate=lambda: "",
                declare=lambda v, dt: f"{v} = 0", indent_unit="    ")

    return MgnetCythonCodeGenerator


def _generator_classes() -> dict:
    """Brian2's C++ and Cython code generators that honour :func:`skip_unless` gates."""
    return {"cpp_standalone": _cpp_generator_class(), "cython": _cython_generator_class()}
