"""One project, two engines: the small world built on Postgres and on Apache Spark (local mode, dbt-spark's
session method) gives the same marts.

Real parts only: the session's embedded Postgres, a pyspark session in this process (Parquet tables and a
Derby metastore under $GTM_HOME/spark), real dbt on both. The world is generated into its own database so
no other test's changes to the session world can skew the comparison. The marts allowed to differ are
gtm.transform.spark.ALLOWED_DIFFERENCES (each with its reason).
"""

from __future__ import annotations

import os
import shutil

import pytest

from conftest import SMALL_SCALE, fresh_database

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def spark_world(warehouse):
    """(Postgres settings, Spark session, the Spark build's DbtResult): the small world on both engines."""
    from gtm.transform import spark
    from gtm.transform.dbt_runner import run_dbt

    # The suite's own dbt artifacts for the Spark build, apart from a developer's target/spark.
    os.environ["GTM_SPARK_DBT_TARGET_PATH"] = "target-test/spark"

    # A fresh Spark warehouse and metastore for this run.
    shutil.rmtree(spark.spark_home(), ignore_errors=True)
    settings = fresh_database(warehouse, "gtm_spark_compare", scale=SMALL_SCALE)
    # Postgres: the models only (their tests run on the session world in test_dbt_project).
    assert run_dbt(["run"], target="prod", settings=settings).success
    session = spark.spark_session()
    copied = spark.copy_bronze(settings, session)
    assert {t.name for t in copied} >= {"crm_leads", "_load_batches", "billing_subscriptions"}
    # Every model, seed, unit test and singular test; the ~1,000 generic tests (not_null, unique, accepted
    # values, relationships) are left to `gtm spark build`: on the marts they are implied by the comparison
    # below (Postgres passes them on the same data), and on Spark each costs a job (CI budget).
    result = spark.run_spark_dbt(["build", "--exclude", "test_type:generic"], settings=settings)
    assert result.success, "dbt build failed on the spark target; see the dbt log above"
    return settings, session, result


def test_spark_build_runs_every_model_and_test(spark_world):
    _, _, result = spark_world
    statuses = {}
    for node in result.run_results["results"]:
        kind = node["unique_id"].split(".")[0]
        statuses.setdefault(kind, {}).setdefault(node["status"], 0)
        statuses[kind][node["status"]] += 1
    # Every model and every test the Postgres build has, less the snapshots (no transactional table format)
    # and the one unit test that mocks a snapshot.
    assert statuses["model"] == {"success": 108}
    assert statuses["seed"] == {"success": 8}
    assert "snapshot" not in statuses
    assert set(statuses["test"]) == {"pass"} and sum(statuses["test"].values()) >= 25  # singular tests
    assert set(statuses["unit_test"]) == {"pass"}


def test_bronze_copy_keeps_rows_and_text_exactly(spark_world):
    settings, session, _ = spark_world
    import psycopg

    with psycopg.connect(settings.url()) as conn:
        expected = conn.execute(
            "select count(*), count(*) filter (where email = ''), count(*) filter (where email is null),"
            " sum(length(email)) from bronze.crm_leads"
        ).fetchone()
    got = session.sql(
        "select count(*), count_if(email = ''), count_if(email is null), sum(length(email))"
        " from bronze.crm_leads"
    ).collect()[0]
    assert tuple(got) == tuple(expected)


def test_every_mart_agrees_across_engines(spark_world):
    from gtm.transform.spark import ALLOWED_DIFFERENCES, compare_marts

    settings, session, _ = spark_world
    comparison = compare_marts(settings, "prod", session)
    names = {row.name for row in comparison.rows}
    # Both engines hold the same marts (tables and views of the marts layer).
    assert all(row.postgres_rows is not None and row.spark_rows is not None for row in comparison.rows), [
        row for row in comparison.rows if row.postgres_rows is None or row.spark_rows is None
    ]
    assert len(names) >= 40
    assert comparison.unexplained == [], [r for r in comparison.rows if not r.same]
    # The allowed differences name marts that exist.
    assert set(ALLOWED_DIFFERENCES) <= names


def test_headline_figures_are_equal(spark_world):
    """A figure checked by value, not only by checksum: total leads and closing ARR."""
    import psycopg

    settings, session, _ = spark_world
    with psycopg.connect(settings.url()) as conn:
        leads = conn.execute("select sum(total_leads) from marts.rpt_funnel_summary").fetchone()[0]
    spark_leads = session.sql("select sum(total_leads) from spark_marts.rpt_funnel_summary").collect()[0][0]
    assert leads > 1000
    assert spark_leads == leads
