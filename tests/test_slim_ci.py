"""Slim CI (issue 9): `state:modified+` against the production manifest selects exactly what a change touches,
ignores environment-only differences, and the deferred build reads unchanged parents from prod."""

from __future__ import annotations

import shutil

import psycopg
import pytest
from typer.testing import CliRunner

from gtm.cli import app
from gtm.settings import DBT_PROJECT_DIR
from gtm.transform.dbt_runner import run_dbt
from gtm.transform.slim_ci import modified_nodes, slim_build

EDIT = "\n-- slim CI test: an edit to the model's code\n"


@pytest.fixture(scope="module")
def prod_state(built, tmp_path_factory):
    """The manifest describing what `built` put in the prod schemas: what the main-branch job publishes.
    Parsed afresh: dbt/target-test/manifest.json is rewritten by every test that runs dbt (some against
    other databases)."""
    state = tmp_path_factory.mktemp("prod_state")
    assert run_dbt(["parse", "--target-path", str(state)], target="prod").success
    return state


@pytest.fixture
def working_tree(tmp_path):
    """A copy of the dbt project to edit, as a pull request would."""
    copy = tmp_path / "dbt"
    shutil.copytree(DBT_PROJECT_DIR, copy, ignore=shutil.ignore_patterns("target*", "logs", "dbt_packages"))
    return copy


def _edit(project, relative_path: str) -> None:
    model = project / relative_path
    model.write_text(model.read_text() + EDIT)


def test_no_change_selects_nothing(prod_state, working_tree):
    assert modified_nodes(prod_state, project_dir=working_tree) == []


def test_a_staging_edit_selects_the_model_and_everything_downstream(prod_state, working_tree):
    _edit(working_tree, "models/staging/crm/stg_crm__users.sql")
    selected = modified_nodes(prod_state, project_dir=working_tree)
    downstream = run_dbt(["ls", "--select", "stg_crm__users+"], target="ci", project_dir=working_tree).output
    assert selected == sorted(downstream)
    assert "gtm_warehouse.staging.crm.stg_crm__users" in selected
    assert any(name.endswith(".dim_user") for name in selected)
    assert not any(name.endswith(".stg_crm__leads") for name in selected)


def test_an_environment_variable_of_the_profile_selects_nothing(prod_state, working_tree, monkeypatch):
    # A per-PR schema and another thread count change rendered values, not the project.
    monkeypatch.setenv("DBT_CI_SCHEMA", "pr_4711")
    monkeypatch.setenv("DBT_THREADS", "1")
    assert modified_nodes(prod_state, project_dir=working_tree) == []


def test_the_deferred_build_reads_unchanged_parents_from_prod(
    prod_state, working_tree, warehouse, monkeypatch
):
    schema = "slim_ci_test"
    monkeypatch.setenv("DBT_CI_SCHEMA", schema)
    with psycopg.connect(warehouse.url(), autocommit=True) as conn:
        for layer in ("staging", "intermediate", "marts"):
            conn.execute(f"drop schema if exists {schema}_{layer} cascade")
    _edit(working_tree, "models/marts/funnel/rpt_loss_reasons.sql")
    run = slim_build(prod_state, project_dir=working_tree)
    assert run.result.success
    built = {r["unique_id"] for r in run.result.run_results["results"] if r["status"] in ("success", "pass")}
    assert "model.gtm_warehouse.rpt_loss_reasons" in built
    assert not any(
        uid.startswith(("model.", "seed.", "snapshot.")) and "rpt_loss_reasons" not in uid for uid in built
    )
    compiled = next((working_tree / "target-test" / "compiled").rglob("rpt_loss_reasons.sql")).read_text()
    # The unchanged parent resolves to production, not to a ci copy.
    assert '"marts"."ops_opportunities"' in compiled
    assert f'"{schema}_marts"."ops_opportunities"' not in compiled
    with psycopg.connect(warehouse.url()) as conn:
        schemas = {row[0] for row in conn.execute("select schema_name from information_schema.schemata")}
        in_ci = conn.execute(
            f"select count(*), sum(lost_count) from {schema}_marts.rpt_loss_reasons"
        ).fetchone()
        in_prod = conn.execute("select count(*), sum(lost_count) from marts.rpt_loss_reasons").fetchone()
    assert f"{schema}_marts" in schemas and f"{schema}_staging" not in schemas
    assert in_ci == in_prod


def test_a_missing_production_state_is_a_clear_error(tmp_path):
    result = CliRunner().invoke(app, ["ci", "slim", "--state", str(tmp_path)])
    assert result.exit_code == 2
    assert "no production state" in result.output
