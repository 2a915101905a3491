"""Shared fixtures: a real embedded PostgreSQL for the whole session, isolated from a developer's own.

The suite runs against its own cluster ($GTM_HOME=.gtm/test, port 55433 unless GTM_TEST_PG_PORT says
otherwise) and its own dbt target directory, so `make test` never touches the demo warehouse.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import psycopg
import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
# GTM_TEST_HOME/GTM_TEST_PG_PORT let two suites run side by side without sharing a cluster.
TEST_HOME = Path(os.environ.get("GTM_TEST_HOME", REPO_ROOT / ".gtm" / "test")).resolve()

# Set before any project module reads them.
os.environ["GTM_HOME"] = str(TEST_HOME)
os.environ["GTM_PG_PORT"] = os.environ.get("GTM_TEST_PG_PORT", "55433")
os.environ["DBT_TARGET_PATH"] = "target-test"
os.environ["DBT_LOG_PATH"] = str(TEST_HOME / "dbt-logs")
os.environ["DBT_SEND_ANONYMOUS_USAGE_STATS"] = "false"
os.environ["DO_NOT_TRACK"] = "1"
os.environ["AIRFLOW_HOME"] = str(TEST_HOME / "airflow")
os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"
os.environ["AIRFLOW__COSMOS__ENABLE_TELEMETRY"] = "False"
os.environ["AIRFLOW__CORE__UNIT_TEST_MODE"] = "False"
EXTERNAL = ("POSTGRES_HOST", "POSTGRES_DB", "POSTGRES_PASSWORD", "DBT_TARGET", "DBT_PACKAGES_INSTALL_PATH")
for external in EXTERNAL:
    os.environ.pop(external, None)

from gtm.settings import WarehouseSettings, load_settings  # noqa: E402
from gtm.warehouse.server import EmbeddedServer  # noqa: E402

# Airflow reads its configuration once, at import: point it at the test warehouse's metadata database now.
os.environ.update(load_settings().airflow_env())
os.environ["AIRFLOW__CORE__DAGS_FOLDER"] = str(REPO_ROOT / "airflow" / "dags")
os.environ["GTM_DBT_MANIFEST"] = str(REPO_ROOT / "dbt" / "target-test" / "manifest.json")

SMALL_SCALE = 0.05  # ~5,400 leads over 24 months: every layer has data, builds stay fast


@pytest.fixture(scope="session")
def warehouse() -> WarehouseSettings:
    """The session's embedded warehouse, started once (and created on first use)."""
    server = EmbeddedServer()
    server.start()
    yield load_settings()
    try:
        if "airflow.settings" in sys.modules:
            # Close Airflow's pooled connections first so its exit hook does not hit a stopped server.
            sys.modules["airflow.settings"].dispose_orm()
    finally:
        server.stop()  # even when that fails: a cluster left running would block the next suite's port


@pytest.fixture(scope="session")
def dbt_env(warehouse: WarehouseSettings) -> dict[str, str]:
    """Environment a dbt process needs to reach the test warehouse with the offline stand-in packages."""
    env = warehouse.dbt_env()
    env["DBT_PACKAGES_INSTALL_PATH"] = str(REPO_ROOT / "dbt" / "offline_packages")
    return env


@pytest.fixture
def transformer_conn(warehouse: WarehouseSettings):
    with psycopg.connect(warehouse.url(), autocommit=True) as conn:
        yield conn


SMALL_WORLD_TEMPLATE = "gtm_world_small"


@pytest.fixture(scope="session")
def generated(warehouse: WarehouseSettings):
    """Bronze loaded with the small fixed-seed world (a GenerationResult)."""
    from gtm.sources.generators import GeneratorConfig, generate_history

    with psycopg.connect(warehouse.url()) as conn:
        return generate_history(conn, GeneratorConfig(scale=SMALL_SCALE, seed=42))


_templates: set[str] = set()


def _small_world_template(warehouse: WarehouseSettings) -> str:
    """A database holding the small fixed-seed world, generated once per session, that tests clone. (It is a
    database of its own: CREATE DATABASE ... TEMPLATE needs a source nobody is connected to, and the session's
    warehouse database always has someone.)"""
    if SMALL_WORLD_TEMPLATE not in _templates:
        import dataclasses

        from gtm.sources.generators import GeneratorConfig, generate_history

        _clone_database(warehouse, SMALL_WORLD_TEMPLATE)
        template = dataclasses.replace(warehouse, database=SMALL_WORLD_TEMPLATE)
        with psycopg.connect(template.url()) as conn:
            generate_history(conn, GeneratorConfig(scale=SMALL_SCALE, seed=42))
        _templates.add(SMALL_WORLD_TEMPLATE)
    return SMALL_WORLD_TEMPLATE


def _clone_database(warehouse: WarehouseSettings, name: str, template: str | None = None) -> None:
    """(Re)create database ``name`` owned by the transformer, empty or as a copy of ``template``."""
    from psycopg import sql

    with psycopg.connect(warehouse.url(warehouse.admin, "postgres"), autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        statement = sql.SQL("CREATE DATABASE {} OWNER {}").format(
            sql.Identifier(name), sql.Identifier(warehouse.transformer.user)
        )
        if template:
            statement += sql.SQL(" TEMPLATE {}").format(sql.Identifier(template))
        conn.execute(statement)


def fresh_database(warehouse: WarehouseSettings, name: str, scale: float | None = None) -> WarehouseSettings:
    """(Re)create warehouse database ``name``, owned by the transformer, and return settings pointing at it;
    with ``scale``, the fixed-seed world of that scale is in its bronze. The small world is copied from its
    template database (generated once per session), other scales are generated."""
    import dataclasses

    if scale == SMALL_SCALE:
        _clone_database(warehouse, name, template=_small_world_template(warehouse))
        return dataclasses.replace(warehouse, database=name)
    _clone_database(warehouse, name)
    settings = dataclasses.replace(warehouse, database=name)
    if scale is not None:
        from gtm.sources.generators import GeneratorConfig, generate_history

        with psycopg.connect(settings.url()) as conn:
            generate_history(conn, GeneratorConfig(scale=scale, seed=42))
    return settings


@pytest.fixture(scope="session")
def scratch_db(warehouse: WarehouseSettings) -> str:
    """A second, empty warehouse database for tests that generate other worlds (calibration, increments),
    so the session's standard world in `gtm` stays untouched. Returns its URL (transformer role)."""
    return fresh_database(warehouse, "gtm_scratch").url()


@pytest.fixture(scope="session")
def default_world_db(warehouse: WarehouseSettings) -> WarehouseSettings:
    """A database holding the default world `make demo` builds (scale 1, seed 42, 24 months), for the tests
    that check calibration bands. Returns settings pointing at it."""
    return fresh_database(warehouse, "gtm_default_world", scale=1.0)


@pytest.fixture(scope="session")
def built(generated: dict[str, int]):
    """`dbt build` on target prod over the small world; returns the run's DbtResult."""
    from gtm.transform.dbt_runner import run_dbt

    # Zero warnings is part of the contract: any warning fails this build.
    result = run_dbt(["build"], target="prod", fail_on_warnings=True)
    assert result.success, "dbt build failed (or warned) on the generated data; see the dbt log above"
    return result


@pytest.fixture(scope="session")
def manifest(warehouse: WarehouseSettings) -> Path:
    """manifest.json for cosmos (what `gtm dbt parse` produces)."""
    from gtm.transform.dbt_runner import run_dbt

    assert run_dbt(["parse"], target="prod").success
    path = Path(os.environ["GTM_DBT_MANIFEST"])
    assert path.exists()
    return path


@pytest.fixture(scope="session")
def airflow_db(warehouse: WarehouseSettings) -> None:
    """Airflow's metadata schema, migrated in its own database on the embedded server."""
    result = subprocess.run(
        [sys.executable, "-m", "airflow", "db", "migrate"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]


def lead_ledger(conn: psycopg.Connection, schema_prefix: str = "") -> tuple[int, int, int]:
    """(leads in the funnel mart, leads in the quarantine, distinct bronze leads) for one target's schemas:
    the layers lose no lead when the first two add up to the third."""
    mart = f"{schema_prefix}marts.rpt_funnel_summary"
    quarantine = f"{schema_prefix}staging.dq_rejected_rows"
    in_mart = conn.execute(f"select sum(total_leads) from {mart}").fetchone()[0]
    rejected = conn.execute(f"select count(*) from {quarantine} where source_table = 'crm_leads'").fetchone()[
        0
    ]
    in_bronze = conn.execute(
        "select count(distinct lead_id) from bronze.crm_leads where lead_id is not null"
    ).fetchone()[0]
    return in_mart, rejected, in_bronze


# Fixtures that cost minutes: a full dbt build, the scale-1 world, Airflow's metadata database. A test that
# needs one (directly or through another fixture) is slow whether or not it says so, so `make test-fast`
# (-m "not slow") can never pull one in by accident.
HEAVY_FIXTURES = frozenset({"built", "default_world_db", "airflow_db", "scratch_db"})


def pytest_collection_modifyitems(config, items):
    for item in items:
        if HEAVY_FIXTURES.intersection(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)


def pytest_sessionfinish(session, exitstatus):
    # Leave the cluster for the next run (faster), but never stale dbt artefacts of the test target.
    shutil.rmtree(REPO_ROOT / "dbt" / "target-test" / "compiled", ignore_errors=True)


def wait_until(predicate: Callable[[], bool], what: str, timeout: float = 120.0) -> None:
    """Poll ``predicate`` until it holds; fail naming ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def relations(conn: psycopg.Connection, *schemas: str) -> list[tuple[str, str]]:
    """(schema, name) of every table and view in ``schemas``, sorted."""
    return conn.execute(
        "select table_schema, table_name from information_schema.tables where table_schema = any(%s) "
        "order by 1, 2",
        (list(schemas),),
    ).fetchall()
