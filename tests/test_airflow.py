"""Airflow: the DAGs' integrity, ingest -> build end to end with dag.test() on the embedded Postgres, and the
failure paths (a stale source, a failing data test, a flaky model)."""

from __future__ import annotations

import ast
import contextlib
import json
import os
import shutil
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import psycopg
import pytest

from conftest import REPO_ROOT, SMALL_SCALE, fresh_database
from gtm.orchestration import dag_config, pipelines
from gtm.orchestration.dag_config import OWNER, on_failure_alert, on_run_failure_alert
from gtm.settings import AIRFLOW_DAGS_DIR
from gtm.transform.dbt_runner import run_dbt
from gtm.warehouse.bronze import TABLES

DAG_IDS = {"gtm_ingest", "gtm_freshness", "gtm_build", "gtm_build_dev", "gtm_quality"}
AIRFLOW_2_ARGUMENTS = {"schedule_interval", "sla", "sla_miss_callback", "concurrency", "execution_date"}
PROBE_PROJECT = REPO_ROOT / "tests" / "fixtures" / "airflow_probe_project"


def _dagbag(folder: Path = AIRFLOW_DAGS_DIR):
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(dag_folder=str(folder))


@pytest.fixture(scope="module")
def dagbag(manifest):
    return _dagbag()


def _callbacks(value) -> list:
    return value if isinstance(value, list) else [value]


# ---- Integrity ---------------------------------------------------------------------------------------------


def test_every_dag_imports_and_declares_owner_retries_timeouts_and_alerts(dagbag):
    assert dagbag.import_errors == {}
    assert set(dagbag.dags) == DAG_IDS
    for dag in dagbag.dags.values():
        assert dag.tags and dag.doc_md, dag.dag_id
        assert dag.max_active_runs == 1 and dag.catchup is False, dag.dag_id
        assert dag.dagrun_timeout is not None and dag.dagrun_timeout <= timedelta(hours=4), dag.dag_id
        assert on_run_failure_alert in _callbacks(dag.on_failure_callback), dag.dag_id
        assert dag.default_args["owner"] == OWNER and "retries" in dag.default_args, dag.dag_id
        for task in dag.tasks:
            where = f"{dag.dag_id}.{task.task_id}"
            assert task.owner == OWNER, where
            assert task.execution_timeout is not None, where
            assert task.execution_timeout <= dag.dagrun_timeout, where
            assert on_failure_alert in _callbacks(task.on_failure_callback), where


def test_no_dag_uses_airflow_2_arguments_or_imports():
    sources = [*AIRFLOW_DAGS_DIR.glob("*.py"), Path(pipelines.__file__), Path(dag_config.__file__)]
    assert len(sources) == len(DAG_IDS) + 2
    for path in sources:
        tree = ast.parse(path.read_text())
        keywords = {kw.arg for node in ast.walk(tree) if isinstance(node, ast.Call) for kw in node.keywords}
        assert not keywords & AIRFLOW_2_ARGUMENTS, (path.name, keywords & AIRFLOW_2_ARGUMENTS)
        modules = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
        # Airflow 3: DAG, task, Asset and friends come from the task SDK.
        assert not {"airflow", "airflow.models", "airflow.decorators", "airflow.datasets"} & modules, (
            path.name
        )
        assert not any(m and m.startswith("airflow.operators") for m in modules), path.name


def test_build_dag_runs_each_model_then_its_tests_and_retries_models_only(dagbag, manifest):
    dag = dagbag.dags["gtm_build"]
    tasks = dag.task_dict
    nodes = json.loads(manifest.read_text())["nodes"].values()
    models = {n["name"] for n in nodes if n["resource_type"] == "model"}
    marts = {n["name"] for n in nodes if n["resource_type"] == "model" and "marts" in n["fqn"]}
    runs = {t.task_id.split(".")[1]: t for t in dag.tasks if t.task_type == "DbtRunLocalOperator"}
    tests = [t for t in dag.tasks if t.task_type == "DbtTestLocalOperator"]
    # Freshness gates snapshots, snapshots gate every first task of the dbt group.
    assert tasks["snapshots"].upstream_task_ids == {"source_freshness"}
    group = [t for t in dag.tasks if t.task_id.startswith("dbt_build.")]
    first = [t for t in group if not any(u.startswith("dbt_build.") for u in t.upstream_task_ids)]
    assert first and all(t.upstream_task_ids == {"snapshots"} for t in first)
    # Every model is a task; it retries (meta.cosmos.operator_kwargs), its tests never do.
    assert set(runs) == models
    assert {t.retries for t in runs.values()} == {2}
    assert tests and {t.retries for t in tests} == {0}
    # AFTER_EACH: a model's tests run right after it, and its children wait for them.
    assert tasks["dbt_build.stg_crm__leads.test"].upstream_task_ids == {"dbt_build.stg_crm__leads.run"}
    assert "dbt_build.stg_crm__leads.test" in tasks["dbt_build.int_crm__leads_enriched.run"].upstream_task_ids
    # A test on two models runs once, after both (not inside the first one's test task).
    two_parents = tasks[
        "dbt_build.relationships_stg_crm__opportunities_lead_id__lead_id__ref_base_crm__leads__test"
    ]
    assert two_parents.upstream_task_ids == {
        "dbt_build.stg_crm__opportunities.test",
        "dbt_build.base_crm__leads.test",
    }
    # Sources are rendered with their freshness checks.
    assert tasks["dbt_build.crm_crm_leads.source"].task_type == "DbtSourceLocalOperator"
    # One Asset per mart, emitted after the last dbt task; docs and state are published then too.
    publish = tasks["publish_mart_assets"]
    assert {a.uri for a in publish.outlets} == {f"gtm-warehouse://marts/{m}" for m in marts}
    leaves = {
        t.task_id for t in group if not t.downstream_task_ids - {publish.task_id, "publish_docs_and_state"}
    }
    assert publish.upstream_task_ids == leaves == tasks["publish_docs_and_state"].upstream_task_ids
    assert tasks["publish_docs_and_state"].dbt_cmd_flags == ["--static"]


def test_build_is_scheduled_on_every_bronze_asset_the_ingest_emits_plus_a_nightly_cron(dagbag):
    build, ingest = dagbag.dags["gtm_build"], dagbag.dags["gtm_ingest"]
    emitted = {a.uri for a in ingest.task_dict["publish_bronze_assets"].outlets}
    assert emitted == {f"gtm-warehouse://bronze/{t}" for t in TABLES}
    scheduled = {a.uri for a in build.timetable.asset_condition.objects}
    assert scheduled == emitted
    assert build.timetable.timetable.expression == "0 2 * * *"


def test_dev_build_is_the_same_graph_on_the_dev_target_without_publishing(dagbag):
    prod, dev = dagbag.dags["gtm_build"], dagbag.dags["gtm_build_dev"]
    assert set(dev.task_ids) == set(prod.task_ids) - {"publish_mart_assets", "publish_docs_and_state"}
    assert dev.task_dict["dbt_build.dim_contact.run"].profile_config.target_name == "dev"
    assert prod.task_dict["dbt_build.dim_contact.run"].profile_config.target_name == "prod"
    assert dev.task_dict["source_freshness"].profile_config.target_name == "dev"


# ---- End to end on a warehouse database of its own ---------------------------------------------------------


class _Webhook:
    """A real HTTP endpoint standing in for Slack: records every JSON body posted to it."""

    def __init__(self) -> None:
        self.messages: list[str] = []
        messages = self.messages

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                messages.append(json.loads(body)["text"])
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/gtm"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def webhook(monkeypatch):
    hook = _Webhook()
    monkeypatch.setenv("GTM_ALERT_WEBHOOK_URL", hook.url)
    yield hook
    hook.close()


@pytest.fixture(scope="module")
def airflow_world(warehouse, manifest, airflow_db, tmp_path_factory):
    """A warehouse database of its own (the small world, prod target) that the DAGs' connection points at, so
    appending a day does not move the session's standard world; published files go to a temporary folder."""
    settings = fresh_database(warehouse, "gtm_airflow", scale=SMALL_SCALE)
    published = tmp_path_factory.mktemp("published")
    patch = pytest.MonkeyPatch()
    patch.setenv("AIRFLOW_CONN_GTM_WAREHOUSE", settings.url())
    patch.setenv("GTM_PROD_STATE_DIR", str(published / "prod-state"))
    patch.setenv("GTM_DOCS_DIR", str(published / "docs"))
    patch.setenv("GTM_LANDING_DIR", str(published / "landing"))
    yield settings
    patch.undo()
    # dag.test() serialized partial renders (GTM_DBT_SELECT) and probe DAGs into the shared metadata DB;
    # drop them so a later Airflow (the UI test) shows what the DAG folder really holds.
    from airflow.api.common.delete_dag import delete_dag
    from airflow.exceptions import DagNotFound

    for dag_id in ("gtm_ingest", "gtm_build", "gtm_quality", "gtm_build_probe"):
        with contextlib.suppress(DagNotFound):
            delete_dag(dag_id)


@contextlib.contextmanager
def _cosmos_partial_parse():
    """Cosmos reuses dbt's partial parse between tasks only from <its project copy>/target, and it copies its
    env vars into os.environ for good (so they cannot carry this): run the tasks without the suite's path."""
    saved = os.environ.pop("DBT_TARGET_PATH", None)
    try:
        yield
    finally:
        if saved is not None:
            os.environ["DBT_TARGET_PATH"] = saved


def _states(run) -> dict[str, tuple[str, int]]:
    return {ti.task_id: (ti.state, ti.try_number) for ti in run.get_task_instances()}


def _scalar(settings, query: str):
    with psycopg.connect(settings.url()) as conn:
        return conn.execute(query).fetchone()[0]


def _airflow_rows(warehouse, query: str, params=()) -> list[tuple]:
    with psycopg.connect(warehouse.url(warehouse.airflow, warehouse.airflow_database)) as conn:
        return conn.execute(query, params).fetchall()


def _ledger(settings, batch_id: str) -> dict[str, int]:
    with psycopg.connect(settings.url()) as conn:
        rows = conn.execute(
            "select table_name, row_count from bronze._load_batches where batch_id = %s", (batch_id,)
        ).fetchall()
    return dict(rows)


def _asset_events(warehouse, uri: str) -> list[dict]:
    rows = _airflow_rows(
        warehouse,
        "select e.extra from asset_event e join asset a on a.id = e.asset_id where a.uri = %s order by e.id",
        (uri,),
    )
    return [extra if isinstance(extra, dict) else json.loads(extra) for (extra,) in rows]


@pytest.mark.slow
def test_ingest_one_day_then_build_grows_the_marts(airflow_world, warehouse, monkeypatch, webhook):
    monkeypatch.setenv("GTM_DBT_SELECT", "+dim_contact")
    bag = _dagbag()
    ingest, build, quality = bag.dags["gtm_ingest"], bag.dags["gtm_build"], bag.dags["gtm_quality"]
    # A partial render leaves out tests whose other parent it does not build (relationships to unselected
    # models): the contact dimension's subgraph is self-contained, 14 tasks.
    assert (
        "dbt_build.relationships_dim_contact_account_id__account_id__ref_dim_account__test"
        not in build.task_dict
    )
    assert len(build.tasks) == 14
    # The marts as yesterday's build left them: the same selection built with plain dbt.
    nodes = ["--resource-type", "seed", "--resource-type", "snapshot", "--resource-type", "model"]
    assert run_dbt(["build", "-s", "+dim_contact", *nodes], target="prod", settings=airflow_world).success
    contacts_before = _scalar(airflow_world, "select count(*) from marts.dim_contact")

    with _cosmos_partial_parse():
        ingested = ingest.test(run_conf={"source": "generate"})
    assert ingested.state == "success", _states(ingested)
    (batch,) = _airflow_rows(
        warehouse,
        "select value from xcom where dag_id = 'gtm_ingest' and task_id = 'load_batch' and run_id = %s"
        " and key = 'return_value'",
        (ingested.run_id,),
    )
    batch = batch[0] if isinstance(batch[0], dict) else json.loads(batch[0])
    assert batch["batch_id"] == "day-2026-07-01-s0.05-r42" and batch["source"] == "generator"
    ledger = _ledger(airflow_world, batch["batch_id"])
    assert batch["rows"] == ledger and batch["rows"]["crm_contacts"] > 0
    contacts_event = _asset_events(warehouse, "gtm-warehouse://bronze/crm_contacts")[-1]
    assert contacts_event == {"batch_id": batch["batch_id"], "rows": ledger["crm_contacts"]}

    with _cosmos_partial_parse():
        built = build.test()
    states = _states(built)
    assert built.state == "success", states
    assert all(state == ("success", 1) for state in states.values()), states
    contacts_after = _scalar(airflow_world, "select count(*) from marts.dim_contact")
    staged = _scalar(airflow_world, "select count(*) from staging.stg_crm__contacts")
    assert contacts_after > contacts_before and contacts_after == staged
    assert _asset_events(warehouse, "gtm-warehouse://marts/dim_contact")[-1]["run_id"] == built.run_id
    # The production state slim CI defers to, and the docs site, as this build left them.
    state = json.loads((Path(os.environ["GTM_PROD_STATE_DIR"]) / "manifest.json").read_text())
    assert "model.gtm_warehouse.dim_contact" in state["nodes"]
    site = Path(os.environ["GTM_DOCS_DIR"]) / "static_index.html"
    assert site.stat().st_size > 1_000_000

    # The quality DAG: the selection's mart tests, then every mart measured into the audit table.
    with _cosmos_partial_parse():
        checked = quality.test()
    assert checked.state == "success", _states(checked)
    with psycopg.connect(airflow_world.url()) as conn:
        audit = conn.execute(
            "select check_name, column_name, observed_value, baseline_value from audit.mart_quality_checks"
            " where run_id = %s and model_name = 'dim_contact' order by check_name, column_name",
            (checked.run_id,),
        ).fetchall()
    assert ("row_count", None, contacts_after, None) in audit  # first run: no baseline yet
    assert ("null_rate", "contact_id", 0, None) in audit
    assert webhook.messages == []


@pytest.mark.slow
def test_stale_source_stops_the_build_before_any_model_runs(airflow_world, monkeypatch, webhook):
    monkeypatch.setenv("GTM_DBT_SELECT", "+dim_contact")
    build = _dagbag().dags["gtm_build"]
    before = _scalar(airflow_world, "select max(_loaded_at) from bronze.crm_contacts")
    shift = "update bronze.crm_contacts set _loaded_at = _loaded_at {} interval '30 days'"
    with psycopg.connect(airflow_world.url(), autocommit=True) as conn:
        conn.execute(shift.format("-"))
    try:
        with _cosmos_partial_parse():
            run = build.test()
    finally:
        with psycopg.connect(airflow_world.url(), autocommit=True) as conn:
            conn.execute(shift.format("+"))
    assert _scalar(airflow_world, "select max(_loaded_at) from bronze.crm_contacts") == before
    states = _states(run)
    assert run.state == "failed"
    assert states["source_freshness"] == ("failed", 1)
    assert {state for task, (state, _) in states.items() if task != "source_freshness"} == {"upstream_failed"}
    assert any("task source_freshness of DAG gtm_build failed" in m for m in webhook.messages), (
        webhook.messages
    )
    assert any(m.startswith("GTM pipeline failure: DAG gtm_build run") for m in webhook.messages)


@pytest.mark.slow
def test_failing_test_stops_its_downstream_and_only_models_are_retried(
    airflow_world, monkeypatch, webhook, tmp_path
):
    # A three-model project through the same factory as gtm_build: probe_flaky fails once, probe_checked's
    # unique test fails, probe_downstream reads probe_checked.
    project = tmp_path / "probe"
    shutil.copytree(PROBE_PROJECT, project)
    assert run_dbt(["parse"], target="prod", settings=airflow_world, project_dir=project).success
    monkeypatch.setenv("GTM_DBT_PROJECT_DIR", str(project))
    monkeypatch.setenv("GTM_DBT_MANIFEST", str(project / os.environ["DBT_TARGET_PATH"] / "manifest.json"))
    monkeypatch.delenv("GTM_DBT_SELECT", raising=False)
    with psycopg.connect(airflow_world.url(), autocommit=True) as conn:
        conn.execute("drop schema if exists airflow_probe_state cascade")
        conn.execute("create schema airflow_probe_state")
        conn.execute("create sequence airflow_probe_state.flaky_attempts")
    dags = tmp_path / "dags"
    dags.mkdir()
    (dags / "gtm_build_probe.py").write_text(
        "# An Airflow DAG file (the DagBag only reads files that say so).\n"
        "from gtm.orchestration.pipelines import build_dag\n\n"
        "dag = build_dag(\n"
        "    dag_id='gtm_build_probe', target='prod', schedule=None, tags=['test'], publish=False\n"
        ")\n"
    )
    # dag.test() runs what the dags-folder bundle serialized: make this folder the bundle (the bundle reads
    # airflow.settings.DAGS_FOLDER, fixed when Airflow was imported).
    import airflow.settings

    monkeypatch.setenv("AIRFLOW__CORE__DAGS_FOLDER", str(dags))
    monkeypatch.setattr(airflow.settings, "DAGS_FOLDER", str(dags))
    dag = _dagbag(dags).dags["gtm_build_probe"]
    with _cosmos_partial_parse():
        run = dag.test()
    states = _states(run)
    assert run.state == "failed"
    # A model without tests is one task (no test task after it).
    assert states["dbt_build.probe_flaky_run"] == ("success", 2)  # failed once, retried, succeeded
    assert states["dbt_build.probe_checked.run"] == ("success", 1)
    assert states["dbt_build.probe_checked.test"] == ("failed", 1)  # never retried
    assert states["dbt_build.probe_downstream_run"] == ("upstream_failed", 0)
    assert _scalar(airflow_world, "select last_value from airflow_probe_state.flaky_attempts") == 2
    with psycopg.connect(airflow_world.url()) as conn:
        built = {
            name
            for (name,) in conn.execute(
                "select table_name from information_schema.tables where table_schema = 'public_airflow_probe'"
            )
        }
    assert built == {"probe_flaky", "probe_checked"}
    alerts = [m for m in webhook.messages if "task dbt_build.probe_checked.test" in m]
    assert len(alerts) == 1 and "(try 1)" in alerts[0]
    # A failure Airflow retries is not an alert (on_retry_callback is not set); only final failures are.
    assert not any("probe_flaky" in m for m in webhook.messages), webhook.messages
    assert any("Failed tasks: dbt_build.probe_checked.test" in m for m in webhook.messages), webhook.messages


@pytest.mark.slow
def test_ingest_imports_landing_files_and_quarantines_a_refused_one(airflow_world, warehouse, webhook):
    ingest = _dagbag().dags["gtm_ingest"]
    landing = Path(os.environ["GTM_LANDING_DIR"])
    landing.mkdir(parents=True, exist_ok=True)
    for path in (REPO_ROOT / "tests" / "fixtures" / "import" / "native_good").glob("*.csv"):
        shutil.copy(path, landing / path.name)
    run = ingest.test()
    assert run.state == "success", _states(run)
    (batch_dir,) = (landing / "processed").iterdir()
    assert sorted(p.name for p in batch_dir.iterdir()) == [
        "crm_accounts.csv",
        "crm_leads.csv",
        "spend_ad_daily.csv",
    ]
    assert not list(landing.glob("*.csv"))
    loaded = {"crm_accounts": 3, "crm_leads": 3, "spend_ad_daily": 2}  # the fixture files' data lines
    assert _ledger(airflow_world, batch_dir.name) == loaded
    for table in TABLES:
        event = _asset_events(warehouse, f"gtm-warehouse://bronze/{table}")[-1]
        assert event == {"batch_id": batch_dir.name, "rows": loaded.get(table, 0)}, table

    for path in (REPO_ROOT / "tests" / "fixtures" / "import" / "native_missing_column").glob("*.csv"):
        shutil.copy(path, landing / path.name)
    refused = ingest.test()
    assert refused.state == "failed"
    assert _states(refused)["load_batch"][0] == "failed"
    (failed_dir,) = (landing / "failed").iterdir()
    assert "missing" in (failed_dir / "reason.txt").read_text()
    assert any("task load_batch of DAG gtm_ingest failed" in m for m in webhook.messages)
