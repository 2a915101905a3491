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


def test_package_lock_pins_what_packages_yml_asks_for():
    """dbt/package-lock.yml carries dbt's own hash of packages.yml (so `dbt deps` online installs the locked
    versions) and pins every declared package, dbt_date included."""
    import yaml
    from dbt.config.project import package_config_from_data
    from dbt.task.deps import _create_sha1_hash

    dbt_dir = Path(import_floors.PACKAGE_DIR).parents[1] / "dbt"
    declared = yaml.safe_load((dbt_dir / "packages.yml").read_text())
    lock = yaml.safe_load((dbt_dir / "package-lock.yml").read_text())
    specs = package_config_from_data(declared, declared).packages
    assert lock["sha1_hash"] == _create_sha1_hash(specs)
    pinned = {p["package"]: p["version"] for p in lock["packages"]}
    assert pinned == {
        "dbt-labs/dbt_utils": "1.4.1",
        "metaplane/dbt_expectations": "0.10.9",
        "godatadriven/dbt_date": "0.21.0",
    }
    assert {p["package"] for p in declared["packages"]} == set(pinned)


def test_dbt_yaml_follows_the_written_rule():
    """docs/MODELS.md "Where YAML lives": staging has one `_<source>__models.yml` per source folder (and
    `_<source>__base.yml` in base/); every intermediate and mart model has `<model>.yml` beside its SQL;
    folder-level YAML in intermediate/marts holds only what spans models (unit tests, exposures, semantic)."""
    models = Path(import_floors.PACKAGE_DIR).parents[1] / "dbt" / "models"
    problems = []
    for sql in sorted(models.rglob("*.sql")):
        layer = sql.relative_to(models).parts[0]
        if layer == "staging":
            folder = sql.parent.name if sql.parent.name != "base" else sql.parent.parent.name
            expected = sql.parent / (
                f"_{folder}__base.yml" if sql.parent.name == "base" else f"_{folder}__models.yml"
            )
        else:
            expected = sql.with_suffix(".yml")
        if not expected.exists():
            problems.append(f"{sql.relative_to(models)}: expected {expected.relative_to(models)}")
    for yml in sorted(models.rglob("_*.yml")):
        if yml.relative_to(models).parts[0] == "staging":
            continue
        keys = set(yaml_keys(yml))
        if "models" in keys:
            problems.append(f"{yml.relative_to(models)}: model properties belong in <model>.yml")
    assert problems == []


def yaml_keys(path: Path) -> list[str]:
    import yaml

    return list((yaml.safe_load(path.read_text()) or {}).keys())
