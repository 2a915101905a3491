"""What a build produced: row counts per layer and the last dbt run's results."""

from __future__ import annotations

import contextlib
import json
import os
from collections import Counter

import psycopg
from psycopg import sql
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn
from rich.table import Table

from gtm.settings import load_settings

LAYERS = ("bronze", "staging", "intermediate", "marts")
TARGET_SCHEMA_ENV = {
    "dev": ("DBT_DEV_SCHEMA", "dev"),
    "ci": ("DBT_CI_SCHEMA", "ci"),
    "prod": ("DBT_PROD_SCHEMA", "public"),
}


def layer_schema(layer: str, target: str) -> str:
    """Mirror of macros/generate_schema_name.sql for the CLI (bronze is shared by every target)."""
    if layer == "bronze":
        return "bronze"
    env_name, default = TARGET_SCHEMA_ENV.get(target, ("DBT_PROD_SCHEMA", "public"))
    prefix = os.environ.get(env_name, default).strip()
    return layer if prefix in ("", "public") else f"{prefix}_{layer}"


def relation_row_counts(conn: psycopg.Connection, schema: str) -> dict[str, int]:
    rows = conn.execute(
        # Underscore-prefixed tables are load metadata (ledger, defect manifest), not layer data.
        "SELECT table_name FROM information_schema.tables WHERE table_schema = %s "
        "AND left(table_name, 1) <> '_' ORDER BY table_name",
        (schema,),
    ).fetchall()
    counts = {}
    for (name,) in rows:
        query = sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(schema, name))
        counts[name] = conn.execute(query).fetchone()[0]
    return counts


def layer_counts(target: str) -> dict[str, dict[str, int]]:
    settings = load_settings()
    with psycopg.connect(settings.url()) as conn:
        return {layer: relation_row_counts(conn, layer_schema(layer, target)) for layer in LAYERS}


def quarantine_counts(target: str) -> list[tuple[str, str, int]]:
    """(bronze table, reason, records) in the quarantine, or [] before the first build."""
    relation = sql.Identifier(layer_schema("staging", target), "dq_rejected_rows")
    with psycopg.connect(load_settings().url()) as conn:
        exists = conn.execute("SELECT to_regclass(%s)", (relation.as_string(conn),)).fetchone()[0]
        if exists is None:
            return []
        query = sql.SQL(
            "SELECT source_table, reason_code, count(*) FROM {} GROUP BY 1, 2 ORDER BY 1, 2"
        ).format(relation)
        return [(table, reason, n) for table, reason, n in conn.execute(query).fetchall()]


def run_result_counts() -> Counter:
    from gtm.transform.dbt_runner import dbt_target_path

    path = dbt_target_path() / "run_results.json"
    counts: Counter = Counter()
    if not path.exists():
        return counts
    for result in json.loads(path.read_text()).get("results", []):
        kind = result["unique_id"].split(".", 1)[0]
        counts[(kind, result["status"])] += 1
    return counts


@contextlib.contextmanager
def generation_progress(console: Console):
    """A progress bar per bronze table; yields the callback the generators report chunks to."""
    with Progress(
        TextColumn("{task.description:<32}"),
        BarColumn(),
        TextColumn("{task.completed:>12,} rows"),
        console=console,
        transient=True,
    ) as progress:
        tasks: dict[str, int] = {}

        def report(table: str, rows: int) -> None:
            if table not in tasks:
                tasks[table] = progress.add_task(table, total=None)
            progress.advance(tasks[table], rows)

        yield report


def print_generated(console: Console, results) -> None:
    totals: dict[str, int] = {}
    for result in results:
        for name, rows in result.counts.items():
            totals[name] = totals.get(name, 0) + rows
    first, last = results[0], results[-1]
    span = f"{first.first_day} .. {last.last_day}"
    title = f"Generated into bronze ({span}, {len(results)} batch{'es' if len(results) > 1 else ''})"
    table = Table(title=title)
    table.add_column("bronze table")
    table.add_column("rows", justify="right")
    for name in sorted(totals):
        table.add_row(name, f"{totals[name]:,}")
    total = sum(totals.values())
    table.add_row("[bold]total", f"[bold]{total:,}")
    console.print(table)
    seconds = sum(r.seconds for r in results)
    defects = sum(r.defects for r in results)
    console.print(
        f"{total:,} rows in {seconds:.1f} s ({total / max(seconds, 1e-9):,.0f} rows/s); "
        f"{defects:,} deliberate defects recorded in bronze._generator_defects"
    )


HEADLINE_CHANNELS = """
    select f.channel, f.total_leads, f.lead_to_opportunity_rate, f.win_rate_of_closed,
           c.cac_amount, c.ltv_to_cac_12_ratio, c.cac_payback_months
    from {marts}.rpt_funnel_summary f
    left join {marts}.rpt_cac_ltv_by_channel c on c.channel = f.channel
    order by f.channel
"""
HEADLINE_FACTS = """
    select
        (select count(*) from {marts}.ops_pipeline_health
         where record_type = 'Opportunity' and demo_status <> 'Demo Held'),
        (select coalesce(sum(forecasted_annual_revenue_amount), 0) from {marts}.ops_pipeline_health
         where record_type = 'Opportunity' and demo_status <> 'Demo Held'),
        (select count(*) from {marts}.ops_pipeline_health
         where record_type = 'Lead' and health_status = 'Active'),
        (select count(*) from {marts}.ops_pipeline_health
         where record_type = 'Lead' and health_status = 'Aging'),
        (select count(*) from {marts}.ops_pipeline_health
         where record_type = 'Lead' and health_status = 'Stale'),
        (select lost_reason || ' (' || round(100 * share_of_losses, 1) || '% of losses)'
         from {marts}.rpt_loss_reasons order by lost_count desc limit 1),
        (select count(*) from {marts}.rpt_lead_outreach_priority where dashboard_status = 'ACTION REQUIRED')
"""


def print_headline(console: Console, target: str) -> None:
    """The GTM headline from the marts (seed 000's findings on this data), when they have been built."""
    marts = layer_schema("marts", target)
    with psycopg.connect(load_settings().url()) as conn:
        needed = ("rpt_funnel_summary", "rpt_cac_ltv_by_channel", "ops_pipeline_health", "rpt_loss_reasons")
        if any(
            conn.execute("SELECT to_regclass(%s)", (f"{marts}.{name}",)).fetchone()[0] is None
            for name in needed
        ):
            return
        schema = sql.Identifier(marts).as_string(conn)
        channels = conn.execute(HEADLINE_CHANNELS.format(marts=schema)).fetchall()
        at_risk, at_risk_value, active, aging, stale, top_loss, action_required = conn.execute(
            HEADLINE_FACTS.format(marts=schema)
        ).fetchone()
    table = Table(title="GTM headline: channel economics (seed 000)")
    for column in ("channel", "leads", "lead->opp", "win rate", "CAC", "LTV(12):CAC", "payback (months)"):
        table.add_column(column, justify="left" if column == "channel" else "right")

    def fmt(value, pattern: str) -> str:
        return "-" if value is None else pattern.format(value)

    for channel, leads, conversion, win_rate, cac, ratio, payback in channels:
        table.add_row(
            channel,
            f"{leads:,}",
            fmt(conversion, "{:.1%}"),
            fmt(win_rate, "{:.1%}"),
            fmt(cac, "${:,.0f}"),
            fmt(ratio, "{:.1f}x"),
            fmt(payback, "{:.1f}"),
        )
    console.print(table)
    console.print(
        f"Open pipeline without a held demo: {at_risk:,} opportunities, ${at_risk_value:,.0f} annual value. "
        f"Working leads: {active:,} Active / {aging:,} Aging / {stale:,} Stale. "
        f"Top loss reason: {top_loss or '-'}. "
        f"Leads waiting for a first touch inside the 72 h window: {action_required:,}."
    )


ATTRIBUTION_MODELS = {
    "first_touch": "first",
    "last_touch": "last",
    "linear": "linear",
    "u_shaped": "U",
    "w_shaped": "W",
    "time_decay": "decay",
}


def print_attribution(console: Console, target: str) -> None:
    """Seed 001's question, which channels source the pipeline, under every attribution model."""
    marts = layer_schema("marts", target)
    with psycopg.connect(load_settings().url()) as conn:
        relation = f"{marts}.rpt_attribution_model_comparison"
        if conn.execute("SELECT to_regclass(%s)", (relation,)).fetchone()[0] is None:
            return
        shares = ", ".join(f"{model}_pipeline_share" for model in ATTRIBUTION_MODELS)
        rows = conn.execute(
            sql.SQL(
                "SELECT channel, {shares}, pipeline_share_spread FROM {relation} "
                "ORDER BY linear_pipeline_share DESC"
            ).format(
                shares=sql.SQL(shares), relation=sql.Identifier(marts, "rpt_attribution_model_comparison")
            )
        ).fetchall()
    table = Table(
        title="Attribution: share of pipeline by model (seed 001, 90-day window)",
        caption="first/last touch, linear, U- and W-shaped, time decay; spread = max - min share, points",
    )
    table.add_column("channel")
    for label in [*ATTRIBUTION_MODELS.values(), "spread"]:
        table.add_column(label, justify="right")
    for channel, *shares, spread in rows:
        table.add_row(channel, *("-" if v is None else f"{v:.1%}" for v in shares), f"{spread * 100:.1f}")
    console.print(table)


def print_revenue_and_o2r(console: Console, target: str | None = None) -> None:
    """Seed 002's ARR bridge and retention for the as-of month, and seed 003's O2R effect: do accounts hit by
    a reliability event contract or churn more often than unexposed ones?"""
    marts = layer_schema("marts", target)
    with psycopg.connect(load_settings().url()) as conn:
        relations = [f"{marts}.fct_arr_bridge", f"{marts}.rpt_retention", f"{marts}.rpt_o2r_lead_lag"]
        if any(conn.execute("SELECT to_regclass(%s)", (r,)).fetchone()[0] is None for r in relations):
            return
        bridge = conn.execute(
            sql.SQL(
                "SELECT month_start_date, sum(opening_arr_amount), "
                "sum(new_arr_amount + reactivation_arr_amount), sum(expansion_arr_amount), "
                "sum(contraction_arr_amount + churn_arr_amount), sum(closing_arr_amount) "
                "FROM {} GROUP BY month_start_date ORDER BY month_start_date DESC LIMIT 1"
            ).format(sql.Identifier(marts, "fct_arr_bridge"))
        ).fetchone()
        retention = conn.execute(
            sql.SQL(
                "SELECT trailing_12m_grr_rate, trailing_12m_nrr_rate FROM {} WHERE cut_name = 'all' "
                "ORDER BY month_start_date DESC LIMIT 1"
            ).format(sql.Identifier(marts, "rpt_retention"))
        ).fetchone()
        lead_lag = conn.execute(
            sql.SQL(
                "SELECT horizon_weeks, exposure_group, contraction_or_churn_rate FROM {} "
                "ORDER BY horizon_weeks, exposure_group"
            ).format(sql.Identifier(marts, "rpt_o2r_lead_lag"))
        ).fetchall()
    if bridge is None:
        return
    month, opening, new, expansion, lost, closing = bridge
    grr, nrr = retention or (None, None)

    def rate(value) -> str:
        return "-" if value is None else f"{value:.1%}"

    table = Table(title=f"Revenue (seed 002): ARR bridge for {month:%B %Y}", show_header=False)
    table.add_column("measure")
    table.add_column("value", justify="right")
    for label, value in (
        ("opening ARR", opening),
        ("+ new and reactivated", new),
        ("+ expansion", expansion),
        ("contraction and churn", lost),
        ("closing ARR", closing),
    ):
        table.add_row(label, f"{'-' if value < 0 else ''}${abs(value):,.0f}")
    table.add_row("GRR / NRR, trailing 12 months", f"{rate(grr)} / {rate(nrr)}")
    console.print(table)
    if lead_lag:
        o2r = Table(
            title="O2R (seed 003): contraction or churn after a reliability event",
            caption="paying account-weeks; exposed: an outage hit it, or its requests were throttled",
        )
        o2r.add_column("weeks later", justify="right")
        o2r.add_column("exposed", justify="right")
        o2r.add_column("unexposed", justify="right")
        by_horizon: dict[int, dict[str, float]] = {}
        for horizon, group, value in lead_lag:
            by_horizon.setdefault(horizon, {})[group] = value
        for horizon, groups in sorted(by_horizon.items()):
            o2r.add_row(str(horizon), rate(groups.get("exposed")), rate(groups.get("unexposed")))
        console.print(o2r)


def print_summary(console: Console, target: str | None = None) -> None:
    target = target or os.environ.get("DBT_TARGET", "prod")
    counts = layer_counts(target)
    table = Table(title=f"Warehouse layers (target {target})")
    table.add_column("layer")
    table.add_column("schema")
    table.add_column("relations", justify="right")
    table.add_column("rows", justify="right")
    for layer in LAYERS:
        rels = counts[layer]
        table.add_row(layer, layer_schema(layer, target), str(len(rels)), f"{sum(rels.values()):,}")
    console.print(table)
    marts = Table(title="Marts")
    marts.add_column("relation")
    marts.add_column("rows", justify="right")
    for name, rows in counts["marts"].items():
        marts.add_row(name, f"{rows:,}")
    console.print(marts)
    quarantined = quarantine_counts(target)
    if quarantined:
        dq = Table(title="Quarantined records (staging.dq_rejected_rows): nothing is dropped silently")
        dq.add_column("bronze table")
        dq.add_column("reason")
        dq.add_column("records", justify="right")
        for table_name, reason, n in quarantined:
            dq.add_row(table_name, reason, f"{n:,}")
        console.print(dq)
    print_headline(console, target)
    print_attribution(console, target)
    print_revenue_and_o2r(console, target)
    results = run_result_counts()
    if results:
        res = Table(title="Last dbt run")
        res.add_column("node type")
        res.add_column("status")
        res.add_column("count", justify="right")
        for (kind, status), n in sorted(results.items()):
            res.add_row(kind, status, str(n))
        console.print(res)
    console.print(
        "Next: `gtm db psql -c 'select * from "
        f"{layer_schema('marts', target)}.rpt_funnel_summary'`, `gtm dbt docs generate`, "
        "or see README.md (Airflow, docker compose, your own CSVs)."
    )
