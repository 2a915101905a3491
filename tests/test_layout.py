"""The package's floors (tools/import_floors.py): the real tree passes; an upward import and a cycle,
planted in a copy, are both reported."""

from __future__ import annotations

import shutil
from pathlib import Path

from tools import import_floors


def test_the_package_imports_only_downward_and_has_no_cycle():
    assert import_floors.check() == []
    graph = import_floors.package_graph(import_floors.PACKAGE_DIR)
    # The floors the layout promises exist, each with the docstring that says what belongs there.
    for floor in ("warehouse", "transform", "sources", "outputs", "orchestration", "cli"):
        init = import_floors.PACKAGE_DIR / floor / "__init__.py"
        assert init.read_text().startswith('"""'), floor
    assert "gtm.warehouse.server" in graph["gtm.cli.commands"]


def test_an_upward_import_and_a_cycle_are_reported(tmp_path: Path):
    package = tmp_path / "gtm"
    shutil.copytree(import_floors.PACKAGE_DIR, package, ignore=shutil.ignore_patterns("__pycache__"))
    loader = package / "warehouse" / "loader.py"
    loader.write_text(loader.read_text() + "\n\ndef _late():\n    from gtm.cli import commands  # noqa\n")
    bronze = package / "warehouse" / "bronze.py"
    bronze.write_text(bronze.read_text() + "\n\nfrom gtm.warehouse import loader  # noqa\n")
    problems = import_floors.check(package)
    assert any(
        p.startswith("gtm.warehouse.loader (floor 1, warehouse) imports gtm.cli.commands") for p in problems
    )
    cycles = [p for p in problems if p.startswith("import cycle:")]
    assert any("gtm.warehouse.bronze <->" in c and "gtm.warehouse.loader" in c for c in cycles), cycles
