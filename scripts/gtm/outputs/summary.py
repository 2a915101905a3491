"""What a build produced: row counts per layer and the last dbt run's results."""

from __future__ import annotations

import contextlib
import json
import os
from collections import Counter
from collections.abc import Iterator
from decimal import ROUND_HALF_UP, Decimal

import psycopg
from psycopg import sql
from rich import box
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn
from rich.table import Table

from gtm.outputs.report.marts import Marts, ReportError
from gtm.outputs.report.sections.arr import load_arr
from gtm.outputs.report.sections.attribution import load_attribution
from gtm.outputs.report.sections.channel_economics import load_channel_economics
from gtm.outputs.report.sections.funnel import load_funnel
from gtm.outputs.report.sections.leaks import load_leaks
from gtm.outputs.report.sections.o2r import load_lead_lag
from gtm.outputs.report.sections.outreach import load_outreach
from gtm.outputs.report.sections.pipeline_health import load_pipeline_health
from gtm.settings import load_settings
from gtm.transform.project import attribution_models
from gtm.transform.schemas import target_layer_schema

LAYERS = ("bronze", "staging", "intermediate", "marts")


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
        return {layer: relation_row_counts(conn, target_layer_schema(layer, target)) for layer in LAYERS}


def quarantine_counts(target: str) -> list[tuple[str, str, int]]:
    """(bronze table, reason, records) in the quarantine, or [] before the first build."""
    relation = sql.Identifier(target_layer_schema("staging", target), "dq_rejected_rows")
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


@contextlib.contextmanager
def _marts(target: str) -> Iterator[Marts]:
    """The target's marts through the report's reader (as the transformer)."""
    with psycopg.connect(load_settings().url()) as conn:
        yield Marts(conn, target_layer_schema("marts", target))


def _rate(value) -> str:
    return "-" if value is None else f"{value:.1%}"


def print_headline(console: Console, target: str) -> None:
    """The GTM headline from the marts (seed 000's findings on this data), when they have been built. The
    figures come from the brief's own section loaders, so the CLI and the brief cannot disagree."""
    try:
        with _marts(target) as m:
            funnel = load_funnel(m)["summary"]
            economics = {row["channel"]: row for row in load_channel_economics(m)["channels"]}
            leaks = load_leaks(m)
            health = load_pipeline_health(m)["segments"]
            outreach = load_outreach(m)["statuses"]
    except ReportError:
        return
    table = Table(title="GTM headline: channel economics (seed 000)")
    for column in ("channel", "leads", "lead->opp", "win rate", "CAC", "LTV(12):CAC", "payback (months)"):
        table.add_column(column, justify="left" if column == "channel" else "right")

    def fmt(value, pattern: str) -> str:
        return "-" if value is None else pattern.format(value)

    for row in funnel:
        cost = economics.get(row["channel"], {})
        table.add_row(
            row["channel"],
            f"{row['total_leads']:,}",
            fmt(row["lead_to_opportunity_rate"], "{:.1%}"),
            fmt(row["win_rate_of_closed"], "{:.1%}"),
            fmt(cost.get("cac_amount"), "${:,.0f}"),
            fmt(cost.get("ltv_to_cac_12_ratio"), "{:.1f}x"),
            fmt(cost.get("cac_payback_months"), "{:.1f}"),
        )
    console.print(table)
    no_demo = next((row for row in leaks["live"] if row["leak"] == 1), None)
    leads = {row["health_status"]: int(row["records"]) for row in health if row["record_type"] == "Lead"}
    top = leaks["loss_reasons"][0] if leaks["loss_reasons"] else None
    top_loss = "-"
    if top:
        share = Decimal(100 * top["share_of_losses"]).quantize(Decimal("0.1"), ROUND_HALF_UP)
        top_loss = f"{top['lost_reason']} ({share}% of losses)"
    action_required = sum(row["leads"] for row in outreach if row["dashboard_status"] == "ACTION REQUIRED")
    console.print(
        f"Open pipeline without a held demo: {no_demo['records'] if no_demo else 0:,} opportunities, "
        f"${(no_demo['forecasted_annual_revenue'] or 0) if no_demo else 0:,.0f} annual value. "
        f"Working leads: {leads.get('Active', 0):,} Active / {leads.get('Aging', 0):,} Aging / "
        f"{leads.get('Stale', 0):,} Stale. "
        f"Top loss reason: {top_loss}. "
        f"Leads waiting for a first touch inside the 72 h window: {action_required:,}."
    )


def print_attribution(console: Console, target: str) -> None:
    """Seed 001's question, which channels source the pipeline, under every attribution model."""
    try:
        with _marts(target) as m:
            rows = load_attribution(m)["comparison"]
    except ReportError:
        return
    models = attribution_models()
    # Eight columns of model names: no vertical rules, names wrapped at their spaces, so it fits 80 columns.
    table = Table(
        title="Attribution: share of pipeline by model (seed 001, 90-day window)",
        caption="spread = max - min share, points",
        box=box.SIMPLE_HEAD,
    )
    table.add_column("channel", no_wrap=True)
    for label in [*models.values(), "spread"]:
        table.add_column(label, justify="right", no_wrap=" " not in label)
    for row in rows:
        shares = (row[f"{model}_pipeline_share"] for model in models)
        table.add_row(
            row["channel"],
            *("-" if v is None else f"{v:.1%}" for v in shares),
            f"{row['pipeline_share_spread'] * 100:.1f}",
        )
    console.print(table)


def print_revenue_and_o2r(console: Console, target: str) -> None:
    """Seed 002's ARR bridge and retention for the as-of month, and seed 003's O2R effect: do accounts hit by
    a reliability event contract or churn more often than unexposed ones?"""
    try:
        with _marts(target) as m:
            arr = load_arr(m)
            lead_lag = load_lead_lag(m)
    except ReportError:
        return
    bridge = arr["bridge"][-1]
    retention = arr["retention"][-1] if arr["retention"] else {}
    month = bridge["month_start_date"]
    table = Table(title=f"Revenue (seed 002): ARR bridge for {month:%B %Y}", show_header=False)
    table.add_column("measure")
    table.add_column("value", justify="right")
    for label, value in (
        ("opening ARR", bridge["opening"]),
        ("+ new and reactivated", bridge["new"] + bridge["reactivation"]),
        ("+ expansion", bridge["expansion"]),
        ("contraction and churn", bridge["contraction"] + bridge["churn"]),
        ("closing ARR", bridge["closing"]),
    ):
        table.add_row(label, f"{'-' if value < 0 else ''}${abs(value):,.0f}")
    grr, nrr = retention.get("trailing_12m_grr_rate"), retention.get("trailing_12m_nrr_rate")
    table.add_row("GRR / NRR, trailing 12 months", f"{_rate(grr)} / {_rate(nrr)}")
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
        for row in lead_lag:
            by_horizon.setdefault(row["horizon_weeks"], {})[row["exposure_group"]] = row[
                "contraction_or_churn_rate"
            ]
        for horizon, groups in sorted(by_horizon.items()):
            o2r.add_row(str(horizon), _rate(groups.get("exposed")), _rate(groups.get("unexposed")))
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
        table.add_row(layer, target_layer_schema(layer, target), str(len(rels)), f"{sum(rels.values()):,}")
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
        f"{target_layer_schema('marts', target)}.rpt_funnel_summary'`, `gtm dbt docs generate`, "
        "or see README.md (Airflow, docker compose, your own CSVs)."
    )
