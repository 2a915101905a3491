"""The MetricFlow semantic layer (issue 7): dbt parses the semantic models and metrics of
dbt/models/marts/semantic/ without a warning, `mf validate-configs` passes (semantic and warehouse
checks), and every metric queried through `mf query` returns the figure plain SQL computes on the mart it
mirrors.

`mf` reads the semantic manifest from <project>/target/semantic_manifest.json whatever DBT_TARGET_PATH
says, so the tests parse into, and point `mf` at, a throw-away project directory whose other entries link
to dbt/: the demo's dbt/target is never written.
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from gtm.settings import DBT_PROJECT_DIR
from gtm.transform.dbt_runner import dbt_environment, resolve_packages, run_dbt

MF = Path(sys.executable).with_name("mf")
CENT = Decimal("0.005")  # the marts round money to cents
RATE_4DP = Decimal("0.00005")  # ... and some rates to 4 decimals
EXPECTED_METRICS = {
    "open_pipeline",
    "weighted_pipeline",
    "open_opportunities",
    "opportunities_created",
    "won_acv",
    "new_business_wins",
    "new_business_closed_deals",
    "win_rate",
    "acquisition_cost",
    "new_customers",
    "leads_created",
    "cac",
    "arr",
    "mrr",
    "nrr",
    "grr",
    "weekly_revenue",
    "active_accounts",
    "error_rate",
    "p99_latency",
    "uptime",
}


@pytest.fixture(scope="module")
def mf_env(built, warehouse, tmp_path_factory) -> dict[str, str]:
    """Parse the project on the test target (zero warnings) into the throw-away project's own target
    directory (dbt/target-test is shared with any other suite running at the same time), then the
    environment `mf` runs in."""
    project = tmp_path_factory.mktemp("mf_project")
    for entry in DBT_PROJECT_DIR.iterdir():
        if entry.name.startswith("target") or entry.name == "logs":
            continue
        (project / entry.name).symlink_to(entry, target_is_directory=entry.is_dir())
    target = project / "target"
    parsed = run_dbt(["parse", "--target-path", str(target)], target="prod", fail_on_warnings=True)
    assert parsed.success, "dbt parse failed or warned (--warn-error); see the dbt log above"
    assert (target / "semantic_manifest.json").exists()

    env = dict(os.environ)
    env.update(dbt_environment(warehouse, resolve_packages(), "prod"))
    env.update(DBT_PROJECT_DIR=str(project), DBT_PROFILES_DIR=str(DBT_PROJECT_DIR))
    return env


def run_mf(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(MF), *args],
        env=env,
        cwd=env["DBT_PROJECT_DIR"],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def mf_query(
    env: dict[str, str],
    tmp_path: Path,
    metrics: Sequence[str],
    group_by: Sequence[str] = (),
    where: str | None = None,
) -> list[dict[str, str]]:
    """`mf query` written to CSV; one dict per row (values as text, empty for null)."""
    out = tmp_path / f"mf_{len(list(tmp_path.glob('mf_*.csv')))}.csv"
    args = ["query", "--metrics", ",".join(metrics), "--csv", str(out), "--quiet"]
    if group_by:
        args += ["--group-by", ",".join(group_by)]
    if where:
        args += ["--where", where]
    proc = run_mf(env, *args)
    assert proc.returncode == 0 and out.exists(), proc.stdout[-4000:] + proc.stderr[-4000:]
    with out.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    print(f"mf query {' '.join(args[1:])}: {len(rows)} rows; first {rows[:3]}")
    return rows


def num(value: str | None) -> Decimal | None:
    return None if value in (None, "", "None") else Decimal(value)


def day(value: str) -> date:
    return date.fromisoformat(value[:10])


def close_to(a: Decimal | None, b: Decimal | None, tolerance: Decimal) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return abs(a - b) <= tolerance


def as_of(conn) -> date:
    return conn.execute("select as_of_date from intermediate.int_calendar__as_of_date").fetchone()[0]


def test_parse_exports_metrics_and_time_spine(mf_env):
    semantic_manifest = Path(mf_env["DBT_PROJECT_DIR"]) / "target" / "semantic_manifest.json"
    manifest = json.loads(semantic_manifest.read_text())
    assert {metric["name"] for metric in manifest["metrics"]} >= EXPECTED_METRICS
    for metric in manifest["metrics"]:
        assert metric["label"] and metric["description"], metric["name"]
    for model in manifest["semantic_models"]:
        assert model["description"], model["name"]
        for element in model["dimensions"] + model["measures"] + model["entities"]:
            assert element["description"], f"{model['name']}.{element['name']}"
    spines = manifest["project_configuration"]["time_spines"]
    assert [spine["node_relation"]["alias"] for spine in spines] == ["dim_date"]
    assert {g["name"] for g in spines[0]["custom_granularities"]} == {"fiscal_quarter", "fiscal_year"}


def test_mf_validate_configs_passes(mf_env):
    proc = run_mf(mf_env, "validate-configs", "--show-all")
    output = proc.stdout + proc.stderr
    print(output[-3000:])
    assert proc.returncode == 0, output[-4000:]
    assert "ERRORS: 0, FUTURE_ERRORS: 0, WARNINGS: 0" in output, output[-4000:]


def test_pipeline_is_the_open_pipeline_of_the_as_of_date(mf_env, transformer_conn, tmp_path):
    """Without a time grouping the semi-additive pipeline is the last day's: the as-of date. Per channel it
    equals the row-level SQL on fct_opportunity_daily exactly, and rpt_pipeline_by_close_period's month rows
    (ACV and counts exactly; the weighted figure within the mart's rounding to cents per row)."""
    as_of_date = as_of(transformer_conn)
    metrics = ["open_pipeline", "weighted_pipeline", "open_opportunities"]
    by_channel = {
        row["opportunity__channel"]: row
        for row in mf_query(mf_env, tmp_path, metrics, ["opportunity__channel"])
    }
    facts = transformer_conn.execute(
        """
        select o.channel, sum(coalesce(d.acv_amount, 0)),
            sum(coalesce(d.acv_amount, 0) * coalesce(d.probability, 0) / 100.0), count(*)
        from marts.fct_opportunity_daily d
        join marts.ops_opportunities o on o.opportunity_id = d.opportunity_id
        where d.date_day = %s and not d.is_closed
        group by o.channel
        """,
        (as_of_date,),
    ).fetchall()
    mart = {
        channel: (acv, weighted, count, rows)
        for channel, acv, weighted, count, rows in transformer_conn.execute(
            """
            select channel, sum(open_pipeline_amount), sum(weighted_pipeline_amount),
                sum(open_opportunity_count), count(*)
            from marts.rpt_pipeline_by_close_period
            where period_grain = 'month'
            group by channel
            having sum(open_opportunity_count) > 0
            """
        )
    }
    assert facts and set(by_channel) == {channel for channel, *_ in facts} == set(mart)
    for channel, acv, weighted, count in facts:
        row = by_channel[channel]
        assert num(row["open_pipeline"]) == acv, channel
        assert num(row["weighted_pipeline"]) == weighted, channel
        assert num(row["open_opportunities"]) == count, channel
        mart_acv, mart_weighted, mart_count, mart_rows = mart[channel]
        assert num(row["open_pipeline"]) == mart_acv, channel
        assert num(row["open_opportunities"]) == mart_count, channel
        assert close_to(num(row["weighted_pipeline"]), mart_weighted, CENT * mart_rows), channel

    (total,) = mf_query(mf_env, tmp_path, metrics)
    assert num(total["open_pipeline"]) == sum(acv for _, acv, _, _ in facts)
    assert num(total["open_opportunities"]) == sum(count for *_, count in facts)


def test_pipeline_by_month_is_the_month_end_snapshot(mf_env, transformer_conn, tmp_path):
    """Grouped by month, the pipeline is the one open at the end of the month's last day in the data (the
    as-of date for the current month), not a sum over the month's days."""
    rows = mf_query(mf_env, tmp_path, ["open_pipeline", "weighted_pipeline"], ["metric_time__month"])
    expected = {
        month: (acv, weighted)
        for month, acv, weighted in transformer_conn.execute(
            """
            with month_ends as (
                select cast(date_trunc('month', date_day) as date) as month_start_date,
                    max(date_day) as last_day
                from marts.fct_opportunity_daily
                group by 1
            )
            select m.month_start_date,
                coalesce(sum(case when not d.is_closed then coalesce(d.acv_amount, 0) end), 0),
                coalesce(sum(case when not d.is_closed
                    then coalesce(d.acv_amount, 0) * coalesce(d.probability, 0) / 100.0 end), 0)
            from month_ends m
            join marts.fct_opportunity_daily d on d.date_day = m.last_day
            group by 1
            """
        )
    }
    got = {day(row["metric_time__month"]): row for row in rows}
    assert len(got) == len(expected) > 12
    for month, (acv, weighted) in expected.items():
        assert num(got[month]["open_pipeline"]) == acv, month
        assert num(got[month]["weighted_pipeline"]) == weighted, month


def test_win_rate_matches_the_funnel_summary(mf_env, transformer_conn, tmp_path):
    """win_rate per channel = rpt_funnel_summary.won_deals / (won_deals + lost_deals), exactly, and to its 4
    decimals win_rate_of_closed; the total is the ratio of the summed counts."""
    metrics = ["win_rate", "new_business_wins", "new_business_closed_deals"]
    rows = {
        row["opportunity__channel"]: row
        for row in mf_query(mf_env, tmp_path, metrics, ["opportunity__channel"])
    }
    funnel = transformer_conn.execute(
        "select channel, won_deals, lost_deals, win_rate_of_closed from marts.rpt_funnel_summary"
    ).fetchall()
    assert set(rows) == {channel for channel, *_ in funnel} == {"Inbound", "Outbound"}
    for channel, won, lost, win_rate_of_closed in funnel:
        row = rows[channel]
        assert num(row["new_business_wins"]) == won, channel
        assert num(row["new_business_closed_deals"]) == won + lost, channel
        assert abs(float(row["win_rate"]) - won / (won + lost)) < 1e-12, channel
        assert close_to(num(row["win_rate"]), win_rate_of_closed, RATE_4DP), channel

    (total,) = mf_query(mf_env, tmp_path, metrics)
    won = sum(w for _, w, _, _ in funnel)
    closed = sum(w + lost for _, w, lost, _ in funnel)
    assert num(total["new_business_wins"]) == won
    assert abs(float(total["win_rate"]) - won / closed) < 1e-12


def test_win_rate_by_fiscal_quarter_uses_the_time_spine(mf_env, transformer_conn, tmp_path):
    """metric_time__fiscal_quarter (a custom granularity of dim_date) buckets deals by close_date."""
    metrics = ["win_rate", "new_business_wins", "new_business_closed_deals"]
    rows = mf_query(mf_env, tmp_path, metrics, ["metric_time__fiscal_quarter"])
    expected = {
        quarter: (won, closed)
        for quarter, won, closed in transformer_conn.execute(
            """
            select c.fiscal_quarter_start_date,
                sum(case when o.is_won then 1 else 0 end),
                sum(case when o.is_won or o.is_lost then 1 else 0 end)
            from marts.ops_opportunities o
            join marts.dim_date c on c.date_day = o.close_date
            where o.opportunity_type = 'New Business' and o.channel in ('Inbound', 'Outbound')
            group by 1
            having sum(case when o.is_won or o.is_lost then 1 else 0 end) > 0
            """
        )
    }
    got = {
        day(row["metric_time__fiscal_quarter"]): row for row in rows if num(row["new_business_closed_deals"])
    }
    assert set(got) == set(expected) and len(expected) >= 4
    for quarter, (won, closed) in expected.items():
        assert num(got[quarter]["new_business_wins"]) == won, quarter
        assert num(got[quarter]["new_business_closed_deals"]) == closed, quarter
        assert abs(float(got[quarter]["win_rate"]) - won / closed) < 1e-12, quarter


def test_cac_matches_monthly_unit_economics(mf_env, transformer_conn, tmp_path):
    """cac per month x channel = rpt_monthly_unit_economics.cac_amount, per month blended_cac_amount (cost-
    complete months; the others have no CAC row, the mart a null); acquisition_cost = total_cost_amount on
    every month."""
    mart = transformer_conn.execute(
        """
        select month_start_date, channel, total_cost_amount, wins_count, cac_amount, blended_cac_amount,
            is_cost_complete
        from marts.rpt_monthly_unit_economics
        """
    ).fetchall()
    rows = mf_query(
        mf_env,
        tmp_path,
        ["cac", "acquisition_cost", "new_customers"],
        ["metric_time__month", "channel_month__channel"],
    )
    got = {(day(row["metric_time__month"]), row["channel_month__channel"]): row for row in rows}
    assert len(got) == len(mart) > 0
    complete = [r for r in mart if r[6]]
    assert complete and any(r[4] is not None for r in complete)
    for month, channel, cost, wins, cac_amount, _, is_complete in mart:
        row = got[(month, channel)]
        assert num(row["acquisition_cost"]) == cost and num(row["new_customers"]) == wins, (month, channel)
        cac = num(row["cac"])
        if not is_complete:
            assert cac is None and cac_amount is None, (month, channel)
            continue
        assert close_to(cac, cac_amount, CENT), (month, channel, cac, cac_amount)
        if wins:
            assert abs(cac - cost / wins) <= Decimal("1e-6"), (month, channel)

    blended = {
        day(row["metric_time__month"]): num(row["cac"])
        for row in mf_query(mf_env, tmp_path, ["cac"], ["metric_time__month"])
    }
    for month, _, _, _, _, blended_cac_amount, is_complete in mart:
        assert close_to(blended.get(month), blended_cac_amount, CENT), month
        assert is_complete or blended.get(month) is None, month


def test_cac_over_the_window_matches_cac_ltv_by_channel(mf_env, transformer_conn, tmp_path):
    """Over rpt_cac_ltv_by_channel's window of cost-complete months, cac per channel = its cac_amount."""
    window = transformer_conn.execute(
        "select channel, window_start_date, window_end_date, cac_amount, total_cost_amount, deals_won_count "
        "from marts.rpt_cac_ltv_by_channel"
    ).fetchall()
    assert window
    assert len({(w[1], w[2]) for w in window}) == 1  # one window for both channels
    start, end = window[0][1], window[0][2]
    where = (
        f"{{{{ TimeDimension('metric_time', 'month') }}}} >= '{start}' "
        f"and {{{{ TimeDimension('metric_time', 'month') }}}} <= '{end}'"
    )
    rows = {
        row["channel_month__channel"]: row
        for row in mf_query(
            mf_env, tmp_path, ["cac", "acquisition_cost", "new_customers"], ["channel_month__channel"], where
        )
    }
    for channel, _, _, cac_amount, cost, wins in window:
        row = rows[channel]
        assert num(row["acquisition_cost"]) == cost and num(row["new_customers"]) == wins, channel
        assert close_to(num(row["cac"]), cac_amount, CENT), (channel, row["cac"], cac_amount)


def test_arr_nrr_grr_match_fct_mrr_and_rpt_retention(mf_env, transformer_conn, tmp_path):
    """Per month, arr / mrr / paying_accounts are fct_mrr's month sums and nrr / grr the ratios of its
    additive retention columns (fct_mrr.yml), which rpt_retention's trailing 12-month rates round to 4
    decimals. Without a time grouping the snapshot metrics are the as-of month's."""
    metrics = ["arr", "mrr", "paying_accounts", "nrr", "grr"]
    got = {
        day(row["metric_time__month"]): row
        for row in mf_query(mf_env, tmp_path, metrics, ["metric_time__month"])
    }
    months = transformer_conn.execute(
        """
        select month_start_date, sum(arr_amount), sum(subscription_mrr_amount),
            sum(case when is_paying then 1 else 0 end), sum(nrr_retained_mrr_amount),
            sum(grr_retained_mrr_amount), sum(mrr_12_months_ago_amount)
        from marts.fct_mrr
        group by 1
        order by 1
        """
    ).fetchall()
    retention = {
        month: (nrr, grr)
        for month, nrr, grr in transformer_conn.execute(
            "select month_start_date, trailing_12m_nrr_rate, trailing_12m_grr_rate "
            "from marts.rpt_retention where cut_name = 'all'"
        )
    }
    assert set(got) == {month for month, *_ in months} and len(months) > 12
    compared = 0
    for month, arr, mrr, paying, nrr_retained, grr_retained, base in months:
        row = got[month]
        assert (num(row["arr"]), num(row["mrr"]), num(row["paying_accounts"])) == (arr, mrr, paying), month
        if not base:
            assert num(row["nrr"]) is None and num(row["grr"]) is None, month
            continue
        assert abs(float(row["nrr"]) - float(nrr_retained / base)) < 1e-12, month
        assert abs(float(row["grr"]) - float(grr_retained / base)) < 1e-12, month
        mart_nrr, mart_grr = retention.get(month, (None, None))
        if mart_nrr is not None:
            assert close_to(num(row["nrr"]), mart_nrr, RATE_4DP), month
            assert close_to(num(row["grr"]), mart_grr, RATE_4DP), month
            compared += 1
    assert compared > 0

    (latest,) = mf_query(mf_env, tmp_path, ["arr", "nrr", "grr"])
    last = months[-1]
    assert num(latest["arr"]) == last[1]
    assert abs(float(latest["nrr"]) - float(last[4] / last[6])) < 1e-12

    by_segment = {
        row["account_month__segment"]: num(row["arr"])
        for row in mf_query(mf_env, tmp_path, ["arr"], ["account_month__segment"])
    }
    expected = dict(
        transformer_conn.execute(
            "select segment, sum(arr_amount) from marts.fct_mrr "
            "where month_start_date = (select max(month_start_date) from marts.fct_mrr) group by 1"
        ).fetchall()
    )
    assert by_segment == expected

    # The account entity joins dim_account (semantic model accounts): its segment is the same cut.
    by_account_segment = {
        row["account__segment"] or "Unknown": num(row["arr"])
        for row in mf_query(mf_env, tmp_path, ["arr"], ["account__segment"])
    }
    assert by_account_segment == expected


def test_o2r_weekly_metrics_match_the_weekly_marts(mf_env, transformer_conn, tmp_path):
    """Per week, weekly_revenue / active_accounts / error_rate from the account x week panel equal the
    whole-base rows of rpt_o2r_revenue_weekly and rpt_o2r_product_weekly; p99_latency and uptime are
    those rows' values."""
    metrics = ["weekly_revenue", "active_accounts", "api_requests", "error_rate"]
    panel = {
        day(row["metric_time__week"]): row
        for row in mf_query(mf_env, tmp_path, metrics, ["metric_time__week"])
    }
    product = {
        day(row["metric_time__week"]): row
        for row in mf_query(mf_env, tmp_path, ["p99_latency", "uptime"], ["metric_time__week"])
    }
    weeks = transformer_conn.execute(
        """
        select r.week_start_date, r.revenue_amount, r.active_account_count, p.request_count, p.error_rate,
            p.p99_latency_ms, p.uptime_rate, p.active_account_count
        from marts.rpt_o2r_revenue_weekly r
        join marts.rpt_o2r_product_weekly p
            on p.week_start_date = r.week_start_date and p.cut_name = 'all'
        where r.cut_name = 'all'
        """
    ).fetchall()
    assert weeks and set(panel) <= {week for week, *_ in weeks} and set(product) == {w for w, *_ in weeks}
    for week, revenue, active, requests, error_rate, p99, uptime, product_active in weeks:
        assert active == product_active, week
        row = panel.get(week)
        if row is None:  # a zero-filled week of the marts: no account in the panel yet
            assert revenue == 0 and active == 0 and not requests, week
        else:
            assert num(row["weekly_revenue"]) == revenue, week
            assert num(row["active_accounts"]) == active, week
            assert num(row["api_requests"]) == requests, week
            if error_rate is None:
                assert num(row["error_rate"]) is None, week
            else:
                assert abs(float(row["error_rate"]) - error_rate) < 1e-12, week
        for name, value in (("p99_latency", p99), ("uptime", uptime)):
            if value is None:
                assert num(product[week][name]) is None, (week, name)
            else:
                assert abs(float(product[week][name]) - value) <= 1e-9 * max(1.0, abs(value)), (week, name)

    (total,) = mf_query(mf_env, tmp_path, ["weekly_revenue"])
    (panel_total,) = transformer_conn.execute(
        "select sum(revenue_amount) from marts.fct_account_weekly"
    ).fetchone()
    assert num(total["weekly_revenue"]) == panel_total


def test_gtm_mf_runs_metricflow_against_the_warehouse(mf_env, transformer_conn, tmp_path):
    """`gtm mf` is the user's way in: it wires the warehouse connection and parses the project if needed."""
    from typer.testing import CliRunner

    from gtm.cli import app

    runner = CliRunner()
    assert runner.invoke(app, ["mf"]).exit_code == 2
    out = tmp_path / "arr.csv"
    result = runner.invoke(app, ["mf", "query", "--metrics", "arr", "--csv", str(out), "--quiet"])
    assert result.exit_code == 0, result.output
    with out.open(newline="") as handle:
        (row,) = list(csv.DictReader(handle))
    (as_of_arr,) = transformer_conn.execute(
        "select sum(arr_amount) from marts.fct_mrr where month_start_date = (select max(month_start_date) "
        "from marts.fct_mrr)"
    ).fetchone()
    assert num(row["arr"]) == as_of_arr
