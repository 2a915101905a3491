"""dbt on the real warehouse: the build passes, marts reconcile to bronze, and a broken model fails."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import psycopg
from typer.testing import CliRunner

from conftest import lead_ledger
from gtm.cli import app
from gtm.transform.dbt_runner import OFFLINE_PACKAGES_DIR, run_dbt

REPO_ROOT = Path(__file__).resolve().parents[1]
runner = CliRunner()


def test_build_passes_every_node(built):
    # Exposures are nodes dbt build reports as no-op; everything else must have run and passed.
    results = [r for r in built.run_results["results"] if not r["unique_id"].startswith("exposure.")]
    statuses = {r["status"] for r in results}
    assert statuses <= {"success", "pass"}, statuses
    kinds = {r["unique_id"].split(".")[0] for r in results}
    # The skeleton exercises each kind of node: a seed, models, generic/package tests and a unit test.
    assert {"seed", "model", "test", "unit_test"} <= kinds
    package_tests = [
        r["unique_id"]
        for r in results
        if ".dbt_utils_" in r["unique_id"] or "dbt_expectations_" in r["unique_id"]
    ]
    assert len(package_tests) >= 4


def test_funnel_mart_reconciles_to_bronze(built, warehouse):
    """No lead is lost between layers: every distinct bronze lead is in the mart or in the quarantine."""
    with psycopg.connect(warehouse.url()) as conn:
        mart_total, rejected, bronze_leads = lead_ledger(conn)
        converted = conn.execute("select sum(converted_leads) from marts.rpt_funnel_summary").fetchone()[0]
        latest_status = conn.execute(
            """
            select distinct on (l.lead_id) l.status
            from bronze.crm_leads l
            where l.lead_id not in (select record_key from staging.dq_rejected_rows
                                    where source_table = 'crm_leads')
            order by l.lead_id, l.updated_at desc, l._loaded_at desc
            """
        ).fetchall()
    assert mart_total + rejected == bronze_leads
    assert rejected > 0, "the generator's defects must reach the quarantine"
    normalised = [" ".join(s.replace("_", " ").split()).lower() for (s,) in latest_status]
    assert converted == normalised.count("converted") > 0


def test_source_freshness_passes(generated, warehouse):
    assert run_dbt(["source", "freshness"], target="prod").success


def test_cli_reports_which_package_set_it_used(warehouse):
    result = runner.invoke(app, ["dbt", "ls", "--resource-type", "model", "--output", "name"])
    assert result.exit_code == 0, result.output
    assert "dbt packages:" in result.output
    assert ("offline stand-in packages" in result.output) or ("real dbt packages" in result.output)
    assert "rpt_funnel_summary" in result.output


def _broken_copy(name: str, edits: dict[str, tuple[str, str]]) -> Path:
    """A copy of the dbt project with text replacements in some files (path relative to dbt/)."""
    from gtm.settings import gtm_home

    work = gtm_home() / name
    shutil.rmtree(work, ignore_errors=True)
    shutil.copytree(
        REPO_ROOT / "dbt", work / "dbt", symlinks=True, ignore=shutil.ignore_patterns("target*", "logs")
    )
    shutil.copytree(REPO_ROOT / "seeds", work / "seeds")
    for relative, (old, new) in edits.items():
        path = work / "dbt" / relative
        text = path.read_text()
        assert old in text, f"{old!r} not in {relative}: update this test with the model"
        path.write_text(text.replace(old, new))
    return work


def _run_copy(work: Path, schema: str, args: list[str], warehouse, monkeypatch):
    monkeypatch.setenv("DBT_PACKAGES_INSTALL_PATH", os.fspath(OFFLINE_PACKAGES_DIR))
    monkeypatch.setenv("DBT_DEV_SCHEMA", schema)
    monkeypatch.setenv("DBT_TARGET", "dev")
    for key, value in warehouse.dbt_env().items():
        monkeypatch.setenv(key, value)
    from dbt.cli.main import dbtRunner

    project = ["--project-dir", str(work / "dbt"), "--profiles-dir", str(work / "dbt")]
    return dbtRunner().invoke([*args, *project, "--target-path", str(work / "target")])


def test_a_broken_staging_model_fails_the_build(generated, warehouse, monkeypatch):
    """What `make test` relies on: a model that does not compile or run makes dbt build fail."""
    base = "models/staging/crm/base/base_crm__leads.sql"
    work = _broken_copy(
        "broken-project", {base: ("nullif(trim(predicted_value), '')", "trim(predicted_typo)")}
    )
    result = _run_copy(work, "broken", ["build", "--select", "base_crm__leads+"], warehouse, monkeypatch)
    assert not result.success
    statuses = {r.node.name: r.status for r in result.result.results}
    # The model's unit test runs first and fails; the model and everything downstream are skipped.
    failed = [name for name, status in statuses.items() if status in ("error", "fail")]
    assert failed == ["test_base_crm__leads_repairs_and_quarantines_each_defect_kind"]
    assert statuses["base_crm__leads"] == "skipped" and statuses["stg_crm__leads"] == "skipped"


def test_the_ledger_and_defect_tests_catch_a_lost_row_and_an_unrepaired_defect(
    generated, warehouse, monkeypatch
):
    """The identities are not vacuous: staging that silently drops one lead breaks the crm_leads ledger, and
    a cleaning rule that stops repairing zero-century years breaks the defect test."""
    stg = "models/staging/crm/stg_crm__leads.sql"
    base = "models/staging/crm/base/base_crm__leads.sql"
    work = _broken_copy(
        "broken-ledger",
        {
            stg: (
                "where is_accepted_version",
                "where is_accepted_version"
                " and lead_id <> (select min(lead_id) from {{ ref('base_crm__leads') }})",
            ),
            base: (
                "{{ clean_timestamp_text('form_submitted_at') }} as form_submitted_at",
                "{{ to_utc_timestamp(\"nullif(replace(form_submitted_at, '0024-', '0124-'), '')\") }}"
                " as form_submitted_at",
            ),
        },
    )
    selection = "+assert_generator_defects_fixed_or_quarantined"
    assert _run_copy(work, "broken_ledger", ["run", "-s", selection], warehouse, monkeypatch).success
    result = _run_copy(
        work,
        "broken_ledger",
        [
            "test",
            "-s",
            "assert_generator_defects_fixed_or_quarantined",
            "source:crm.crm_leads,test_name:bronze_ledger_balances",
        ],
        warehouse,
        monkeypatch,
    )
    failed = sorted(r.node.name for r in result.result.results if r.status == "fail")
    assert len(failed) == 2, failed
    assert failed[0] == "assert_generator_defects_fixed_or_quarantined"
    assert failed[1].startswith("source_bronze_ledger_balances_crm_crm_leads")


def test_every_bronze_table_is_declared_staged_and_ledgered(manifest):
    """One source table, one staging model and one ledger test per bronze table: nothing unmodelled."""
    import json

    from gtm.warehouse.bronze import ALL_TABLES

    nodes = json.loads(manifest.read_text())
    sources = {s["name"]: s for s in nodes["sources"].values() if s["source_name"] != "generator"}
    ledger_tests = [
        n["depends_on"]["nodes"]
        for n in nodes["nodes"].values()
        if n["resource_type"] == "test" and n.get("test_metadata", {}).get("name") == "bronze_ledger_balances"
    ]
    assert len(ledger_tests) == len(ALL_TABLES) == 18
    for table in ALL_TABLES:
        source = sources.get(table.name)
        assert source, f"bronze.{table.name} is not declared as a dbt source"
        assert source["loaded_at_field"] == "_loaded_at"
        assert source["freshness"]["warn_after"]["count"] and source["freshness"]["error_after"]["count"]
        ledgers = [deps for deps in ledger_tests if source["unique_id"] in deps]
        assert len(ledgers) == 1, f"bronze.{table.name} needs exactly one ledger test"
        staging = [d for d in ledgers[0] if d.split(".")[-1].startswith("stg_")]
        assert len(staging) == 1, f"the ledger of bronze.{table.name} names no staging model"


def test_staging_and_marts_are_fully_documented(built):
    from tools.docs_coverage import measure

    coverage = measure(target="prod")
    assert coverage.models_total >= 40
    assert coverage.columns_total >= 600
    assert coverage.undocumented_models == []
    assert coverage.undocumented_columns == []


def test_every_table_the_generator_damages_has_a_cleaning_unit_test(manifest):
    """The unit tests are the hand-computed proof of each cleaning rule: every base model whose bronze table
    gets defects has one, and together they name every defect kind the generator can inject."""
    import json

    from gtm.sources.generators.defects import DEFECT_PLAN

    nodes = json.loads(manifest.read_text())
    unit_tests = [u for u in nodes.get("unit_tests", {}).values() if u["model"].startswith("base_")]
    tested_models = {u["model"] for u in unit_tests}
    text = " ".join((u.get("description") or "") + u["name"] for u in unit_tests).lower()
    for table in DEFECT_PLAN:
        entities = ("__" + table, "__" + table.split("_", 1)[1])
        assert any(model.endswith(entities) for model in tested_models), f"no unit test for {table}"
    words = {
        "duplicate_resend": "resen",
        "status_spelling": "spelling",
        "year_0024": "year",
        "mixed_timezone": "zone",
        "currency_string": "currency",
        "python_list_string": "list",
        "malformed_email": "email",
        "null_required": "missing",
        "orphan_fk": "orphan",
        "future_timestamp": "future",
        "negative_amount": "negative",
    }
    kinds = {kind for plan in DEFECT_PLAN.values() for kind, _ in plan}
    assert kinds == set(words)
    assert [kind for kind, word in words.items() if word not in text] == []
