"""gtm.orchestration.quality: mart anomaly checks on small hand-made marts in throw-away schemas
of the test warehouse."""

from __future__ import annotations

from decimal import Decimal

import psycopg
import pytest
from psycopg import sql

from gtm.orchestration.quality import (
    AUDIT_TABLE,
    MartAnomalyError,
    Thresholds,
    check_marts,
    key_columns,
)
from gtm.settings import WarehouseSettings

MARTS = "quality_probe_marts"
AUDIT = "quality_probe_audit"
THRESHOLDS = Thresholds()  # the documented defaults, whatever the environment says


@pytest.fixture
def probe(warehouse: WarehouseSettings):
    """A marts schema with three small tables and no audit history yet; both schemas dropped afterwards.

    fct_orders: 20 rows, customer_id null in 4 (null rate 0.2); dim_customer: 10 rows, no nulls;
    rpt_notes: 3 rows, no key column (row count only)."""
    with psycopg.connect(warehouse.url(), autocommit=True) as conn:
        drop_probe(conn)
        conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(MARTS)))
        conn.execute(
            sql.SQL(
                "CREATE TABLE {} AS SELECT 'O' || g AS order_id, "
                "CASE WHEN g <= 4 THEN NULL ELSE 'C' || (g % 10) END AS customer_id, "
                "DATE '2026-01-01' + g AS order_date, g * 10.0 AS amount_total "
                "FROM generate_series(1, 20) AS g"
            ).format(sql.Identifier(MARTS, "fct_orders"))
        )
        conn.execute(
            sql.SQL(
                "CREATE TABLE {} (customer_id text, segment text, created_at timestamptz, is_active boolean)"
            ).format(sql.Identifier(MARTS, "dim_customer"))
        )
        set_customers(conn, 10)
        conn.execute(
            sql.SQL(
                "CREATE TABLE {} AS SELECT 'note ' || g AS note, g AS score FROM generate_series(1, 3) g"
            ).format(sql.Identifier(MARTS, "rpt_notes"))
        )
        yield conn
        drop_probe(conn)


def drop_probe(conn: psycopg.Connection) -> None:
    for schema in (MARTS, AUDIT):
        conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)))


def set_customers(conn: psycopg.Connection, rows: int, null_segments: int = 0) -> None:
    """dim_customer holds ``rows`` customers, the first ``null_segments`` of them without a segment."""
    table = sql.Identifier(MARTS, "dim_customer")
    conn.execute(sql.SQL("TRUNCATE {}").format(table))
    conn.execute(
        sql.SQL(
            "INSERT INTO {} SELECT 'C' || g, CASE WHEN g <= %s THEN NULL ELSE 'SMB' END, now(), true "
            "FROM generate_series(1, %s) g"
        ).format(table),
        (null_segments, rows),
    )


def run(conn: psycopg.Connection, run_id: str, thresholds: Thresholds | None = THRESHOLDS, **kwargs):
    return check_marts(
        conn, marts_schema=MARTS, audit_schema=AUDIT, run_id=run_id, thresholds=thresholds, **kwargs
    )


def by_key(report) -> dict[tuple[str, str, str | None], object]:
    return {(c.model_name, c.check_name, c.column_name): c for c in report.checks}


def audit_rows(conn: psycopg.Connection, run_id: str | None = None) -> int:
    query = sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(AUDIT, AUDIT_TABLE))
    if run_id is None:
        return conn.execute(query).fetchone()[0]
    return conn.execute(query + sql.SQL(" WHERE run_id = %s"), (run_id,)).fetchone()[0]


def normal_history(conn: psycopg.Connection, counts: list[int]) -> None:
    """One run per entry, dim_customer holding that many rows."""
    for i, rows in enumerate(counts, start=1):
        set_customers(conn, rows)
        assert not run(conn, f"normal-{i:02d}").anomalies


def test_key_column_rule():
    columns = [
        "account_id", "surrogate_key", "month_start_date", "date_day", "week_start_week", "cohort_month",
        "segment", "account_segment", "opportunity_type", "channel", "plan_name", "cut_value",
        "created_at", "amount", "account_name", "is_signup_week", "has_due_date", "weeks_since_first_week",
        "Customer_ID",
    ]  # fmt: skip
    assert key_columns(columns) == [
        "account_id", "surrogate_key", "month_start_date", "date_day", "week_start_week", "cohort_month",
        "segment", "account_segment", "opportunity_type", "channel", "plan_name", "cut_value", "Customer_ID",
    ]  # fmt: skip


def test_first_run_records_exact_values_without_baseline(probe):
    report = run(probe, "run-first")
    checks = by_key(report)
    assert set(checks) == {
        ("dim_customer", "row_count", None),
        ("dim_customer", "null_rate", "customer_id"),
        ("dim_customer", "null_rate", "segment"),
        ("fct_orders", "row_count", None),
        ("fct_orders", "null_rate", "order_id"),
        ("fct_orders", "null_rate", "customer_id"),
        ("fct_orders", "null_rate", "order_date"),
        ("rpt_notes", "row_count", None),  # no key column: row count only
    }
    assert checks["fct_orders", "row_count", None].observed_value == 20
    assert checks["fct_orders", "null_rate", "customer_id"].observed_value == Decimal("0.2")
    assert checks["fct_orders", "null_rate", "order_id"].observed_value == 0
    assert checks["dim_customer", "row_count", None].observed_value == 10
    assert checks["rpt_notes", "row_count", None].observed_value == 3
    assert report.anomalies == []
    for check in report.checks:
        assert check.baseline_value is None
        assert check.history_runs == 0
        assert "not enough history (0 of 3 runs)" in check.message
    assert "No mart anomalies in run run-first (8 checks on 3 marts" in report.summary()
    report.raise_for_anomalies()  # nothing to raise

    stored = probe.execute(
        sql.SQL(
            "SELECT model_name, check_name, column_name, observed_value, baseline_value, history_runs, "
            "threshold, is_anomaly FROM {} WHERE run_id = 'run-first' ORDER BY 1, 2, 3"
        ).format(sql.Identifier(AUDIT, AUDIT_TABLE))
    ).fetchall()
    assert len(stored) == 8
    assert (
        "fct_orders",
        "null_rate",
        "customer_id",
        Decimal("0.200000"),
        None,
        0,
        Decimal("0.1"),
        False,
    ) in stored
    assert ("fct_orders", "row_count", None, Decimal(20), None, 0, Decimal("0.5"), False) in stored


def test_lost_rows_against_trailing_mean(probe):
    # Two old runs at 20 rows fall outside the trailing 7; the last 7 average exactly 10 (all 9: 12.2).
    normal_history(probe, [20, 20, 8, 9, 10, 10, 11, 12, 10])
    set_customers(probe, 4)  # 60% below the mean
    report = run(probe, "run-lost-rows")
    assert [(a.model_name, a.check_name, a.column_name) for a in report.anomalies] == [
        ("dim_customer", "row_count", None)
    ]
    anomaly = report.anomalies[0]
    assert anomaly.observed_value == 4
    assert anomaly.baseline_value == 10
    assert anomaly.history_runs == 7
    assert "60% below the mean of 10.0 over the last 7 runs" in anomaly.message
    assert "fct_orders" not in report.summary()
    assert "dim_customer: row_count: observed 4 vs baseline 10" in report.summary()

    # 40% below stays within the 50% tolerance.
    set_customers(probe, 6)
    assert run(probe, "run-fewer-rows").anomalies == []


def test_empty_mart_and_zero_baseline(probe):
    normal_history(probe, [10, 10, 10])
    set_customers(probe, 0)
    report = run(probe, "run-empty")
    assert [(a.model_name, a.check_name) for a in report.anomalies] == [("dim_customer", "row_count")]
    assert "dim_customer is empty" in report.anomalies[0].message
    # An empty mart has no null rate: only its row count is recorded.
    assert ("dim_customer", "null_rate", "segment") not in by_key(report)

    # rpt_notes emptied for three runs: against those (a 3-run window) the baseline mean is 0, and rows
    # coming back is not an anomaly.
    notes = sql.Identifier(MARTS, "rpt_notes")
    rows = probe.execute(sql.SQL("SELECT * FROM {}").format(notes)).fetchall()
    probe.execute(sql.SQL("TRUNCATE {}").format(notes))
    set_customers(probe, 10)
    for i in range(3):
        run(probe, f"run-no-notes-{i}")
    with probe.cursor() as cur:
        cur.executemany(sql.SQL("INSERT INTO {} VALUES (%s, %s)").format(notes), rows)
    report = run(probe, "run-notes-back", thresholds=Thresholds(history_runs=3))
    notes_check = by_key(report)["rpt_notes", "row_count", None]
    assert notes_check.baseline_value == 0
    assert not notes_check.is_anomaly


def test_null_rate_jumps(probe):
    normal_history(probe, [10] * 7)
    set_customers(probe, 10, null_segments=3)  # segment: 0.0 -> 0.3
    report = run(probe, "run-null-jump")
    assert [(a.model_name, a.check_name, a.column_name) for a in report.anomalies] == [
        ("dim_customer", "null_rate", "segment")
    ]
    anomaly = report.anomalies[0]
    assert anomaly.observed_value == Decimal("0.3")
    assert anomaly.baseline_value == 0
    assert anomaly.history_runs == 7
    assert "up 30.0 points" in anomaly.message

    with pytest.raises(MartAnomalyError) as raised:
        report.raise_for_anomalies()
    message = str(raised.value)
    assert message == report.summary()
    assert "dim_customer" in message and "segment" in message and "null_rate" in message
    assert "observed 30.00% vs baseline 0.00%" in message
    assert raised.value.report is report

    # fct_orders.customer_id: 0.2 -> 0.25 (one more null of 20) is a 5-point rise: no anomaly.
    set_customers(probe, 10)
    orders = sql.Identifier(MARTS, "fct_orders")
    probe.execute(sql.SQL("UPDATE {} SET customer_id = NULL WHERE order_id = 'O5'").format(orders))
    report = run(probe, "run-small-jump")
    check = by_key(report)["fct_orders", "null_rate", "customer_id"]
    assert check.observed_value == Decimal("0.25")
    assert check.baseline_value == Decimal("0.2")
    assert not check.is_anomaly
    assert report.anomalies == []


def test_rerunning_a_run_id_replaces_its_rows(probe):
    normal_history(probe, [10] * 3)
    first = run(probe, "run-retry")
    total, for_run = audit_rows(probe), audit_rows(probe, "run-retry")
    assert for_run == len(first.checks) == 8

    set_customers(probe, 11)
    retry = run(probe, "run-retry")
    assert audit_rows(probe) == total
    assert audit_rows(probe, "run-retry") == for_run
    # The retry replaced the values and did not count its first attempt as history.
    check = by_key(retry)["dim_customer", "row_count", None]
    assert check.observed_value == 11
    assert check.history_runs == 3
    stored = probe.execute(
        sql.SQL(
            "SELECT observed_value FROM {} WHERE run_id = 'run-retry' AND model_name = 'dim_customer' "
            "AND check_name = 'row_count'"
        ).format(sql.Identifier(AUDIT, AUDIT_TABLE))
    ).fetchall()
    assert stored == [(Decimal(11),)]

    # A retry limited to one mart replaces only that mart's rows of the run.
    run(probe, "run-retry", models=["rpt_notes"])
    assert audit_rows(probe, "run-retry") == for_run


def test_thresholds_from_env(probe, monkeypatch):
    assert Thresholds.from_env({}) == Thresholds(
        history_runs=7, min_history=3, row_count_tolerance=0.5, null_rate_jump=0.10
    )
    monkeypatch.setenv("GTM_QUALITY_HISTORY_RUNS", "4")
    monkeypatch.setenv("GTM_QUALITY_ROW_COUNT_TOLERANCE", "0.7")
    monkeypatch.setenv("GTM_QUALITY_NULL_RATE_JUMP", "0.02")
    assert Thresholds.from_env() == Thresholds(history_runs=4, row_count_tolerance=0.7, null_rate_jump=0.02)

    # Through check_marts (thresholds=None reads the environment): a 60% loss is within 70%, while the
    # 5-point null rise is above 2 points; the baseline uses the last 4 runs only.
    normal_history(probe, [16, 12, 10, 10, 10, 10])  # all 6 average 11.3, the last 4 exactly 10
    set_customers(probe, 4)
    orders = sql.Identifier(MARTS, "fct_orders")
    probe.execute(sql.SQL("UPDATE {} SET customer_id = NULL WHERE order_id = 'O5'").format(orders))
    report = run(probe, "run-env", thresholds=None)
    assert [(a.model_name, a.check_name, a.column_name) for a in report.anomalies] == [
        ("fct_orders", "null_rate", "customer_id")
    ]
    rows = by_key(report)["dim_customer", "row_count", None]
    assert (rows.baseline_value, rows.history_runs, rows.threshold) == (10, 4, Decimal("0.7"))

    monkeypatch.setenv("GTM_QUALITY_HISTORY_RUNS", "many")
    with pytest.raises(ValueError, match="GTM_QUALITY_HISTORY_RUNS='many'"):
        Thresholds.from_env()
    with pytest.raises(ValueError, match="min_history"):
        Thresholds(history_runs=2)


def test_commits_on_a_connection_without_autocommit(probe, warehouse):
    """Airflow code often holds a plain (transactional) connection: the audit rows must still be committed."""
    with psycopg.connect(warehouse.url()) as conn:
        report = run(conn, "run-transactional")
        assert conn.info.transaction_status == psycopg.pq.TransactionStatus.IDLE
    assert audit_rows(probe, "run-transactional") == len(report.checks) == 8


def test_bad_input(probe):
    with pytest.raises(ValueError, match="marts schema 'quality_probe_missing' does not exist"):
        check_marts(probe, marts_schema="quality_probe_missing", audit_schema=AUDIT, run_id="run-bad")
    with pytest.raises(ValueError, match="no such mart in schema 'quality_probe_marts': fct_nothing"):
        run(probe, "run-bad", models=["fct_orders", "fct_nothing"])
    # Nothing was written by the failed calls.
    assert probe.execute("SELECT to_regnamespace(%s)", (AUDIT,)).fetchone()[0] is None

    report = run(probe, "run-subset", models=["fct_orders"])
    assert {c.model_name for c in report.checks} == {"fct_orders"}
