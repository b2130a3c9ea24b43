"""Generated documentation is current: docs/parameters.md is what ``mgnet params --write``
writes from the ModelParams metadata now (every section, every source)."""
from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def test_parameters_md_is_generated_from_the_current_metadata():
    from mgnet.experiments.paramdoc import parameter_markdown
    text = (REPO / "docs" / "parameters.md").read_text(encoding="utf-8")
    assert text.rstrip("\n") == parameter_markdown().rstrip("\n"), (
        "docs/parameters.md is stale: run `mgnet params --write docs/parameters.md`")
    for section in ("culture", "metaplasticity", "plasticity", "magnesium"):
        assert f"## `[params.{section}]`" in text
