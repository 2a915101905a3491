"""O2R metrics (seed 003): the book's chapter 12 example tables, imported with `gtm load` and built, give the
values computed by hand from those rows (the book's printed results are not all consistent with its own data:
where they differ, the comment says so). Plus the built-in O2R effect on the generated world."""

from __future__ import annotations

import dataclasses
from datetime import date
from decimal import Decimal

import psycopg
import pytest
from psycopg import sql
from typer.testing import CliRunner

from conftest import REPO_ROOT
from gtm.cli import app
from gtm.transform.dbt_runner import run_dbt

CHAPTER_12 = REPO_ROOT / "tests" / "fixtures" / "import" / "o2r_ch12"
CSV_DATABASE = "gtm_o2r_csv"
W1, W2, W3, W4 = date(2026, 1, 5), date(2026, 1, 12), date(2026, 1, 19), date(2026, 1, 26)
approx = pytest.approx


@pytest.fixture(scope="module")
def chapter_12(warehouse):
    """A fresh database holding only the chapter 12 tables, imported with `gtm load` and built."""
    with psycopg.connect(warehouse.url(warehouse.admin, "postgres"), autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(CSV_DATABASE)))
    settings = dataclasses.replace(warehouse, database=CSV_DATABASE)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("POSTGRES_DB", CSV_DATABASE)
        result = CliRunner().invoke(app, ["load", str(CHAPTER_12)])
    assert result.exit_code == 0, result.output
    assert "loaded 100 rows, rejected 0 rows" in result.output
    assert run_dbt(["seed"], target="prod", settings=settings).success
    # The subscription snapshot reads its staging view; the rest is a plain run of the marts' lineage.
    for step in (
        ["run", "-s", "+stg_billing__subscriptions"],
        ["snapshot", "-s", "snap_billing__subscriptions"],
    ):
        assert run_dbt(step, target="prod", settings=settings).success
    selection = ["+path:models/marts/o2r", "+ops_accounts_at_risk", "+rpt_warehouse_status"]
    assert run_dbt(["run", "-s", *selection], target="prod", settings=settings).success
    with psycopg.connect(settings.url()) as conn:
        yield conn


def _weekly(conn, mart: str, columns: str, cut: tuple[str, str] = ("all", "All")) -> dict[date, tuple]:
    rows = conn.execute(
        f"select week_start_date, {columns} from marts.{mart} "
        "where cut_name = %s and cut_value = %s order by week_start_date",
        cut,
    ).fetchall()
    return {row[0]: row[1:] for row in rows}


def test_weeks_come_from_timestamps(chapter_12):
    # Request 1004 is labelled week 2026-01-06 (a Tuesday) and 1012 week 01-12 but sent 01-13: weeks are the
    # Mondays of the timestamps, four of them, nothing else.
    weeks = _weekly(chapter_12, "rpt_o2r_product_weekly", "request_count")
    assert weeks == {W1: (8,), W2: (9,), W3: (9,), W4: (9,)}  # 35 requests: the book prints 8/11/11/9


def test_warehouse_status_says_the_data_was_imported(chapter_12):
    status = chapter_12.execute(
        "select data_origin, generator_scale, generator_seed, as_of_date, load_batch_count "
        "from marts.rpt_warehouse_status"
    ).fetchall()
    # CSV exports only: no generator metadata; one `gtm load` (one batch for its five files); as of the
    # latest invoice date (weekly revenue of the week of 2026-01-26, W4: there are no CRM or touch events).
    assert status == [("imported", None, None, W4, 1)]


def test_revenue_metrics(chapter_12):
    rev = _weekly(
        chapter_12,
        "rpt_o2r_revenue_weekly",
        "revenue_amount, weekly_growth_rate, ytd_revenue_amount, ytd_target_attainment_rate, cwgr, "
        "remaining_fiscal_week_count, catch_up_cwgr, run_rate_arr_amount, arr_amount, active_account_count, "
        "arpa_amount, expected_lifetime_months, cltv_amount",
    )
    # R.2: W1 8,500+3,200+12,000+950+4,100+11,500+3,800+5,200; W3 9,100+3,300+12,800+1,050+4,500+12,000+800
    # +4,100+5,600 = 53,250 (the book prints 53,150).
    assert [rev[w][0] for w in (W1, W2, W3, W4)] == [
        Decimal("49250.00"),
        Decimal("52150.00"),
        Decimal("53250.00"),
        Decimal("54800.00"),
    ]
    # R.3: (52,150 - 49,250) / 49,250; (53,250 - 52,150) / 52,150; (54,800 - 53,250) / 53,250.
    assert rev[W1][1] is None
    assert [rev[w][1] for w in (W2, W3, W4)] == approx([2900 / 49250, 1100 / 52150, 1550 / 53250])
    w4 = rev[W4]
    assert w4[2] == Decimal("209450.00")  # R.1: sum of the four weeks (the book prints 209,650)
    assert w4[3] == approx(209450 / 20_000_000)  # share of the $20M target var
    assert w4[4] == approx((54800 / 49250) ** (1 / 3) - 1)  # R.4: 3 weeks after the fiscal year's first week
    assert w4[5] == 48  # 52 Mondays in fiscal 2026, week 4
    assert w4[6] == approx((20_000_000 / 209450) ** (1 / 48) - 1)  # R.5 = 9.96%/week (the book prints 21.6%)
    assert w4[7] == Decimal("2849600.00")  # R.6 run rate: 54,800 x 52
    assert w4[8] is None  # committed ARR: the example has no contract MRR
    assert w4[9] == 9  # accounts with revenue in week 4
    assert rev[W1][10] == Decimal("6156.25")  # R.7: 49,250 / 8
    assert rev[W2][10] == Decimal("5794.44")  # 52,150 / 9
    assert w4[10] == Decimal("6088.89")  # 54,800 / 9
    assert w4[11] == approx(60)  # nobody churned: the lifetime cap (ltv_max_lifetime_months)
    assert w4[12] == Decimal("1583111.11")  # R.8: 54,800 / 9 x 52 / 12 x 60


def test_book_variants_r6_and_c4_c5_over_a_span(chapter_12):
    """The book's own forms beside the project's conventions (issue 20): R.6 MRR = the latest week's revenue
    x 4.33 and ARR = MRR x 12 (12.2.6 prints ~$237,284 and ~$2,847,408), C.4 / C.5 from week 1 to week 4."""
    rev = _weekly(chapter_12, "rpt_o2r_revenue_weekly", "book_mrr_amount, book_arr_amount, is_revenue_final")
    assert rev[W4][:2] == (Decimal("237284.00"), Decimal("2847408.00"))  # 54,800 x 4.33; x 12
    assert rev[W1][2] is True  # weekly revenue invoices only: nothing is accrued, every past week is final
    cust = _weekly(
        chapter_12,
        "rpt_o2r_customer_weekly",
        "span_start_active_account_count, span_retained_account_count, span_retention_rate, "
        "span_usage_base_start_token_count, span_usage_base_token_count, span_usage_retention_rate",
    )
    # C.4: the 8 accounts with revenue in week 1 all have revenue in week 4: 100% (the book's 12.3.4 result).
    assert cust[W4][:3] == (8, 8, approx(1.0))
    # C.5: the 8 accounts that used tokens in week 1 (by event time) used 37,000 then and 43,400 in week 4
    # (the book, reading week labels and sign-up dates, prints 35,800 -> 43,500 = 121.5%).
    assert cust[W4][3:] == (37000, 43400, approx(43400 / 37000))
    assert cust[W3][0] == 0  # the panel starts in week 1: week 3 has no span start


def test_revenue_cuts_by_segment_and_plan(chapter_12):
    enterprise = _weekly(chapter_12, "rpt_o2r_revenue_weekly", "revenue_amount", ("segment", "Enterprise"))
    assert enterprise[W4] == (Decimal("34600.00"),)  # accounts 1, 3, 6: 9,400 + 13,000 + 12,200
    starter = _weekly(
        chapter_12,
        "rpt_o2r_revenue_weekly",
        "revenue_amount, annual_revenue_target_amount",
        ("plan", "Starter"),
    )
    assert starter[W1] == (
        Decimal("950.00"),
        None,
    )  # Delta only; no target per cut
    assert starter[W2] == (Decimal("1850.00"), None)  # Delta 1,100 + Gamma 750


def test_customer_metrics(chapter_12):
    cust = _weekly(
        chapter_12,
        "rpt_o2r_customer_weekly",
        "active_account_count, signup_count, adoption_cohort_count, adopted_account_count, retention_rate, "
        "usage_retention_rate, uptime_score, error_rate_score, ticket_resolution_score, satisfaction_score",
    )
    assert [cust[w][0] for w in (W1, W2, W3, W4)] == [8, 9, 9, 9]  # C.1: Iris Cloud (churned) never pays
    assert [cust[w][1] for w in (W1, W2, W3, W4)] == [1, 1, 0, 0]  # C.2: Delta on Jan 6, Gamma on Jan 13
    # C.3: Delta used 1,200 tokens on its sign-up day, Gamma 1,800: both adopted (threshold 1,000 in 91 days).
    assert cust[W1][2:4] == (1, 1) and cust[W2][2:4] == (1, 1)
    assert cust[W1][4] is None and [cust[w][4] for w in (W2, W3, W4)] == [1, 1, 1]  # C.4: nobody left
    # C.5: tokens of the previous week's users, this week against last: 39,300 / 37,000; 43,200 / 41,100;
    # 45,600 / 43,200.
    assert [cust[w][5] for w in (W2, W3, W4)] == approx([39300 / 37000, 43200 / 41100, 45600 / 43200])
    # C.6 week 2: uptime 100 - 85/10,080 x 1,000; errors 100 - (1/9) x 500; resolution 100 - 18.5 hours.
    uptime, errors, resolution = 100 - 85 / 10080 * 1000, 100 - 500 / 9, 100 - 18.5
    assert cust[W2][6:9] == approx((uptime, errors, resolution))
    assert cust[W2][9] == approx(0.4 * uptime + 0.3 * resolution + 0.3 * errors)  # 74.41 (book: ~91.4)
    # Week 3: 245 downtime minutes, 1 error in 9 requests, 4 tickets averaging 19.0625 hours.
    assert cust[W3][9] == approx(0.4 * (100 - 245 / 10080 * 1000) + 0.3 * (100 - 19.0625) + 0.3 * errors)
    assert cust[W1][9] == approx(100)  # nothing went wrong
    assert cust[W4][9] == approx(0.4 * 100 + 0.3 * (100 - 16.75) + 0.3 * 100)  # two tickets, 5 and 28.5 h


def test_product_metrics(chapter_12):
    prod = _weekly(
        chapter_12,
        "rpt_o2r_product_weekly",
        "error_rate, p50_latency_ms, p90_latency_ms, p99_latency_ms, uptime_rate, incident_count, "
        "mttr_minutes, ticket_count, platform_ticket_count, average_resolution_hours, throttle_rate, "
        "observed_signup_count, p50_time_to_value_days, p90_time_to_value_days, p100_time_to_value_days",
    )
    assert [prod[w][0] for w in (W1, W2, W3, W4)] == approx([0, 1 / 9, 1 / 9, 0])  # P.2 (book: 1 in 11)
    # P.3, continuous percentiles of the week's latencies. W1 sorted 290..420: median (320 + 350) / 2,
    # p90 410 + 0.3 x 10, p99 410 + 0.93 x 10. W2 ends 440, 3,800: p90 440 + 0.2 x 3,360, p99 440 + 0.92
    # x 3,360.
    assert prod[W1][1:4] == approx((335, 413, 419.3))
    assert prod[W2][1:4] == approx((360, 1112, 3531.2))
    assert prod[W3][1:4] == approx((360, 430 + 0.2 * 3770, 430 + 0.92 * 3770))
    assert prod[W4][1:4] == approx((355, 409, 423.4))
    # P.4: the global outages of week 2 (85 min) and week 3 (35 + 210 min) hit every active account.
    assert [prod[w][4] for w in (W1, W2, W3, W4)] == approx([1, 1 - 85 / 10080, 1 - 245 / 10080, 1])
    assert [prod[w][5] for w in (W1, W2, W3, W4)] == [0, 1, 2, 0]
    assert prod[W1][6] is None and prod[W2][6] == approx(85) and prod[W3][6] == approx(122.5)  # P.5
    # P.6: tickets by creation time; week 3 holds 202, 203, 204 and 205 (the book counts 3), zero weeks are 0.
    assert [prod[w][7] for w in (W1, W2, W3, W4)] == [0, 1, 4, 2]
    assert [prod[w][8] for w in (W1, W2, W3, W4)] == [0, 1, 2, 0]  # error and latency tickets
    # P.7: 201 took 18.5 h; 202 22.25, 203 8.5, 204 26, 205 19.5; 206 5, 207 28.5.
    assert prod[W1][9] is None
    assert [prod[w][9] for w in (W2, W3, W4)] == approx([18.5, 76.25 / 4, 33.5 / 2])
    assert all(prod[w][10] == 0 for w in (W1, W2, W3, W4))  # throttle rate: no 429 in the example
    # P.1: only sign-ups inside the event window (from Jan 5) count: Delta (Jan 6) and Gamma (Jan 13) both
    # made their first call on their sign-up day (the book's p100 of 7 days takes older accounts too).
    assert prod[W1][11:] == (1, 0, 0, 0) and prod[W2][11:] == (1, 0, 0, 0)
    assert prod[W3][11:] == (0, None, None, None)


@pytest.mark.slow
def test_lead_lag_shows_the_built_in_effect(default_world_db):
    """Acceptance 2 on the world `make demo` builds (scale 1; the CI world is too small for a stable effect):
    accounts exposed to an outage or to throttling contract or churn more often at every horizon."""
    no_tests = ["--exclude", "resource_type:test", "resource_type:unit_test"]
    build = ["build", "-s", "+rpt_o2r_lead_lag", *no_tests]
    assert run_dbt(build, target="prod", settings=default_world_db).success
    with psycopg.connect(default_world_db.url()) as conn:
        rows = conn.execute(
            "select horizon_weeks, exposure_group, observation_count, contraction_or_churn_rate "
            "from marts.rpt_o2r_lead_lag order by horizon_weeks, exposure_group"
        ).fetchall()
    by_horizon: dict[int, dict[str, tuple[int, float]]] = {}
    for horizon, group, observations, rate in rows:
        by_horizon.setdefault(horizon, {})[group] = (observations, rate)
    assert sorted(by_horizon) == [4, 8, 12]
    for horizon, groups in by_horizon.items():
        assert groups["exposed"][0] > 10_000 and groups["unexposed"][0] > 10_000
        # At scale 1 the exposed rate is about double (1.2% vs 0.5% at 4 weeks, 3.6% vs 2.2% at 12).
        assert groups["exposed"][1] > 1.3 * groups["unexposed"][1], (horizon, groups)


@pytest.mark.slow
def test_reconciliations_hold_on_the_imported_world(chapter_12, warehouse):
    """The cross-system reconciliations build and pass on imported CSV data (issue 20, acceptance 2): the
    O2R example has weekly revenue but no contracts, usage charges or CRM deals, so only weekly vs monthly
    revenue has something to compare, and it ties."""
    settings = dataclasses.replace(warehouse, database=CSV_DATABASE)
    marts = "path:models/marts/reconciliation"
    assert run_dbt(["run", "-s", f"+{marts}"], target="prod", settings=settings).success
    assert run_dbt(["test", "-s", marts], target="prod", settings=settings).success
    counts = chapter_12.execute(
        "select (select count(*) from marts.rpt_reconciliation_invoices_mrr), "
        "(select count(*) from marts.rpt_reconciliation_booked_arr), "
        "(select count(*) from marts.rpt_reconciliation_usage)"
    ).fetchone()
    assert counts == (0, 0, 0)
    weekly, monthly, unexplained, reconciled = chapter_12.execute(
        "select weekly_revenue_amount, monthly_revenue_amount, unexplained_difference_amount, is_reconciled "
        "from marts.rpt_reconciliation_weekly_monthly_revenue"
    ).fetchone()
    # W1-W4 = 209,450 (R.1 above); January as a month holds the same four weeks of invoices.
    assert (weekly, unexplained, reconciled) == (Decimal("209450.00"), Decimal("0.00"), True)
    assert monthly == Decimal("209450.00")
