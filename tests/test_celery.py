"""Airflow on Celery workers: gtm_ingest and a small gtm_build run through a real Celery worker and a real
redis-server broker (loopback only), started by `gtm airflow start` with GTM_AIRFLOW_EXECUTOR=CeleryExecutor.

The DAGs are executor-neutral; what a worker on another machine needs is in the environment: the warehouse
connection, the manifest (GTM_DBT_MANIFEST), and landing / docs / production state on storage every worker
shares (here one folder, on several machines a shared volume). Celery's result backend is Airflow's metadata
database, so every task a worker ran leaves a row in celery_taskmeta: the proof the tasks went through it.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

import psycopg
import pytest

from conftest import SMALL_SCALE, TEST_HOME, fresh_database, wait_until
from test_airflow_ui import GTM, Api, free_port

# Generating a world, building the selection and starting five Airflow components come before the runs.
pytestmark = [pytest.mark.slow, pytest.mark.timeout(2700)]

RUN_TIMEOUT = 900.0
SELECTION = "+dim_contact"


def _port_open(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture(scope="module")
def redis_broker():
    """A redis-server on a loopback port, nothing persisted; stopped after the module."""
    binary = shutil.which("redis-server")
    assert binary, "redis-server is not installed: run `make engines` (apt-get install redis-server)"
    port = int(os.environ.get("GTM_TEST_REDIS_PORT", free_port()))
    proc = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_until(lambda: _port_open(port), "redis-server to listen", timeout=30)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        proc.terminate()
        proc.wait(timeout=30)


@pytest.fixture(scope="module")
def celery_airflow(warehouse, manifest, airflow_db, redis_broker, tmp_path_factory):
    """`gtm airflow start` with the CeleryExecutor on a database of its own (the small world, the selection's
    models built once as yesterday's build left them); always stopped afterwards."""
    from gtm.transform.dbt_runner import run_dbt

    settings = fresh_database(warehouse, "gtm_celery", scale=SMALL_SCALE)
    nodes = ["--resource-type", "seed", "--resource-type", "snapshot", "--resource-type", "model"]
    assert run_dbt(["build", "-s", SELECTION, *nodes], target="prod", settings=settings).success
    shared = tmp_path_factory.mktemp("shared")
    env = dict(
        os.environ,
        GTM_AIRFLOW_EXECUTOR="CeleryExecutor",
        GTM_CELERY_BROKER_URL=redis_broker,
        GTM_DBT_SELECT=SELECTION,
        # The components' warehouse connection (AIRFLOW_CONN_GTM_WAREHOUSE) is derived from this database.
        POSTGRES_DB=settings.database,
        GTM_LANDING_DIR=str(shared / "landing"),
        GTM_DOCS_DIR=str(shared / "docs"),
        GTM_PROD_STATE_DIR=str(shared / "prod-state"),
        AIRFLOW__SCHEDULER__USE_JOB_SCHEDULE="False",
        AIRFLOW__COSMOS__CACHE_DIR=str(TEST_HOME / "cosmos-celery"),
        COLUMNS="200",
    )
    env.pop("DBT_TARGET_PATH", None)  # cosmos partial parse, as in test_airflow
    port = int(os.environ.get("GTM_TEST_AIRFLOW_PORT", free_port()))
    start = subprocess.run(
        [str(GTM), "airflow", "start", "--port", str(port)],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    try:
        assert start.returncode == 0, start.stdout + start.stderr
        assert "celery-worker" in start.stdout
        yield settings, shared, Api(f"http://127.0.0.1:{port}")
    finally:
        stopped = subprocess.run(
            [str(GTM), "airflow", "stop"], env=env, capture_output=True, text=True, timeout=300, check=False
        )
        assert stopped.returncode == 0, stopped.stdout + stopped.stderr


def _wait_for_run(api: Api, dag_id: str, run_id: str | None = None) -> dict:
    deadline = time.monotonic() + RUN_TIMEOUT
    while True:
        runs = api.call("GET", f"/api/v2/dags/{dag_id}/dagRuns?order_by=-start_date")["dag_runs"]
        run = next((r for r in runs if run_id in (None, r["dag_run_id"])), None)
        if run and run["state"] in {"success", "failed"}:
            return run
        assert time.monotonic() < deadline, f"{dag_id} run not finished after {RUN_TIMEOUT:g}s: {run}"
        time.sleep(2)


def _celery_results(warehouse) -> dict[str, int]:
    with psycopg.connect(warehouse.url(warehouse.airflow, warehouse.airflow_database)) as conn:
        return dict(conn.execute("select status, count(*) from celery_taskmeta group by status").fetchall())


def test_ingest_then_build_run_on_the_celery_worker(celery_airflow, warehouse):
    settings, shared, api = celery_airflow
    for dag_id in ("gtm_ingest", "gtm_build"):
        assert api.call("PATCH", f"/api/v2/dags/{dag_id}", {"is_paused": False})["is_paused"] is False
    with psycopg.connect(settings.url()) as conn:
        contacts_before = conn.execute("select count(*) from marts.dim_contact").fetchone()[0]

    body = {"logical_date": None, "conf": {"source": "generate"}}
    run = api.call("POST", "/api/v2/dags/gtm_ingest/dagRuns", body)
    ingested = _wait_for_run(api, "gtm_ingest", run["dag_run_id"])
    assert ingested["state"] == "success", ingested
    # Scheduling is off in this Airflow (AIRFLOW__SCHEDULER__USE_JOB_SCHEDULE=False: no catch-up runs, and
    # no Asset-triggered ones either), so the build is triggered here, as the bronze Assets would.
    build_run = api.call("POST", "/api/v2/dags/gtm_build/dagRuns", {"logical_date": None})
    built = _wait_for_run(api, "gtm_build", build_run["dag_run_id"])
    path = f"/api/v2/dags/gtm_build/dagRuns/{built['dag_run_id']}/taskInstances"
    tasks = api.call("GET", path)["task_instances"]
    assert built["state"] == "success", {ti["task_id"]: ti["state"] for ti in tasks}

    with psycopg.connect(settings.url()) as conn:
        batches = conn.execute("select count(distinct batch_id) from bronze._load_batches").fetchone()[0]
        contacts_after = conn.execute("select count(*) from marts.dim_contact").fetchone()[0]
        staged = conn.execute("select count(*) from staging.stg_crm__contacts").fetchone()[0]
    assert batches >= 2  # the history, then the generated day
    assert contacts_after > contacts_before and contacts_after == staged
    # Published to the shared storage by a task on the worker.
    assert (shared / "prod-state" / "manifest.json").exists()
    assert (Path(shared) / "docs" / "static_index.html").stat().st_size > 1_000_000
    # Every task of both runs went through Celery: one successful result per task instance.
    ingest_tasks = api.call("GET", f"/api/v2/dags/gtm_ingest/dagRuns/{run['dag_run_id']}/taskInstances")
    ran = sum(ti["state"] == "success" for ti in [*ingest_tasks["task_instances"], *tasks])
    results = _celery_results(warehouse)
    assert results.get("SUCCESS", 0) >= ran, results
    assert set(results) == {"SUCCESS"}, results
