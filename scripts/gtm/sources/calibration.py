"""Calibration of the generated world, measured from bronze with SQL (the latest version of each record).

These are the bands the generator promises at the default profile; `gtm calibrate` prints them and the test
suite asserts them. Defect variants (status spellings, currency strings) are normalised here just enough
to measure, independently of the dbt staging layer.
"""

from __future__ import annotations

from dataclasses import dataclass

import psycopg

LATEST_LEADS = """
    select distinct on (lead_id) lead_id,
        case when nullif(trim(form_submitted_at), '') is not null then 'Inbound' else 'Outbound' end
            as channel,
        initcap(replace(lower(trim(status)), '_', ' ')) as status, created_at, first_call_at, first_email_at,
        first_text_at, form_submitted_at
    from bronze.crm_leads where _source_system = 'generator' and lead_id is not null
    order by lead_id, updated_at desc, _loaded_at desc
"""
LATEST_OPPS = """
    select distinct on (o.opportunity_id) o.opportunity_id, o.opportunity_type, o.lead_id,
        initcap(replace(lower(trim(o.stage)), '_', ' ')) as stage, o.lost_reason
    from bronze.crm_opportunities o where o._source_system = 'generator'
    order by o.opportunity_id, o.updated_at desc, o._loaded_at desc
"""


@dataclass
class Band:
    name: str
    value: float
    low: float
    high: float

    @property
    def ok(self) -> bool:
        return self.low <= self.value <= self.high


def _one(conn: psycopg.Connection, query: str) -> float:
    value = conn.execute(query).fetchone()[0]
    return float(value) if value is not None else float("nan")


def measure(conn: psycopg.Connection) -> list[Band]:
    # Latest versions into analysed temp tables: joins over DISTINCT ON subqueries get estimates so far off
    # that the planner picks nested loops running for many minutes.
    conn.execute(f"CREATE TEMP TABLE IF NOT EXISTS calibration_leads AS {LATEST_LEADS}")
    conn.execute(f"CREATE TEMP TABLE IF NOT EXISTS calibration_opps AS {LATEST_OPPS}")
    conn.execute("ANALYZE calibration_leads")
    conn.execute("ANALYZE calibration_opps")
    try:
        return _measure(conn)
    finally:
        conn.execute("DROP TABLE IF EXISTS calibration_leads")
        conn.execute("DROP TABLE IF EXISTS calibration_opps")


def _measure(conn: psycopg.Connection) -> list[Band]:
    leads = "calibration_leads"
    bands: list[Band] = []
    months = _one(conn, f"select count(distinct date_trunc('month', created_at)) from {leads}")
    bands.append(
        Band("leads per month (scale 1)", _one(conn, f"select count(*) from {leads}") / months, 3800, 5600)
    )
    bands.append(
        Band(
            "inbound share of leads",
            _one(conn, f"select avg((channel = 'Inbound')::int) from {leads}"),
            0.39,
            0.45,
        )
    )
    for channel, low, high in (("Inbound", 0.15, 0.21), ("Outbound", 0.035, 0.06)):
        bands.append(
            Band(
                f"{channel} lead->opportunity rate",
                _one(
                    conn, f"select avg((status = 'Converted')::int) from {leads} where channel = '{channel}'"
                ),
                low,
                high,
            )
        )
    bands.append(
        Band(
            "share of leads in Working",
            _one(conn, f"select avg((status = 'Working')::int) from {leads}"),
            0.45,
            0.58,
        )
    )
    bands.append(
        Band(
            "share Incorrect Contact Data",
            _one(conn, f"select avg((status = 'Incorrect Contact Data')::int) from {leads}"),
            0.05,
            0.08,
        )
    )
    won_rate = """
        select avg((o.stage = 'Closed Won')::int)
        from calibration_opps o join calibration_leads l on l.lead_id = o.lead_id
        where o.opportunity_type = 'New Business' and o.stage in ('Closed Won', 'Closed Lost')
          and l.channel = '{channel}'
    """
    bands.append(
        Band("Inbound win rate of closed", _one(conn, won_rate.format(channel="Inbound")), 0.24, 0.32)
    )
    bands.append(
        Band("Outbound win rate of closed", _one(conn, won_rate.format(channel="Outbound")), 0.17, 0.24)
    )
    bands.append(
        Band(
            "No Demo Held share of losses",
            _one(
                conn,
                """
        select avg((lost_reason = 'No Demo Held')::int) from calibration_opps o
        where stage = 'Closed Lost' and opportunity_type = 'New Business'""",
            ),
            0.28,
            0.40,
        )
    )
    bands.append(
        Band(
            "inbound speed to lead, median hours",
            _one(
                conn,
                f"""
        select percentile_cont(0.5) within group (order by extract(epoch from
            least(nullif(first_call_at, '')::timestamptz, nullif(first_email_at, '')::timestamptz,
                  nullif(first_text_at, '')::timestamptz) - created_at) / 3600)
        from {leads} where channel = 'Inbound' and left(coalesce(first_call_at, ''), 2) = '20'
          and left(coalesce(first_email_at, ''), 2) in ('', '20')
          and length(coalesce(first_call_at, '')) <= 19
    """,
            ),
            10,
            60,
        )
    )
    bands += _retention(conn)
    bands += _unit_economics(conn)
    return bands


def _unit_economics(conn: psycopg.Connection) -> list[Band]:
    """CAC and 12-month LTV:CAC per channel over the last 12 months, as the case study defines them:
    inbound cost = ad spend + inbound team pay, outbound cost = outbound team pay, CAC = cost / New
    Business wins closed in the window, LTV(12) = 12 x (average subscription MRR of those wins + average
    monthly usage charge)."""
    rows = conn.execute(
        """
        with window_ as (
            select max(history_as_of) + 1 - interval '12 months' as lo, max(history_as_of) + 1 as hi
            from bronze._generator_runs where kind = 'history'
        ),
        opps as (
            select distinct on (opportunity_id) opportunity_id, lead_id, updated_at, amount,
                initcap(replace(lower(trim(stage)), '_', ' ')) as stage
            from bronze.crm_opportunities
            where opportunity_type = 'New Business' and _source_system = 'generator'
            order by opportunity_id, updated_at desc
        ),
        wins as (
            select l.channel, count(*) as n,
                avg(nullif(regexp_replace(o.amount, '[^0-9.]', '', 'g'), '')::numeric / 12) as mrr
            from opps o join calibration_leads l using (lead_id), window_ w
            where o.stage = 'Closed Won' and o.updated_at >= w.lo and o.updated_at < w.hi
            group by 1
        ),
        cost as (
            select 'Inbound' as channel,
                (select sum(spend_amount) from bronze.spend_ad_daily, window_ w
                 where spend_date >= w.lo and spend_date < w.hi and spend_amount > 0)
                + (select sum(salary_amount + commission_amount) from bronze.spend_team_monthly, window_ w
                   where team = 'Inbound Sales' and month_start >= w.lo and month_start < w.hi) as total
            union all
            select 'Outbound', (select sum(salary_amount + commission_amount) from bronze.spend_team_monthly,
                window_ w where team = 'Outbound Sales' and month_start >= w.lo and month_start < w.hi)
        ),
        usage as (
            select avg(amount) as per_month from bronze.billing_usage_charges, window_ w
            where usage_month >= w.lo and usage_month < w.hi
        )
        select wins.channel, cost.total / wins.n as cac,
            12 * (wins.mrr + (select per_month from usage)) / (cost.total / wins.n) as ltv_cac
        from wins join cost using (channel) order by 1
        """
    ).fetchall()
    values = {channel: (float(cac), float(ratio)) for channel, cac, ratio in rows}
    inbound, outbound = (
        values.get("Inbound", (float("nan"),) * 2),
        values.get("Outbound", (float("nan"),) * 2),
    )
    return [
        Band("Inbound CAC (USD, last 12 months)", inbound[0], 900, 1600),
        Band("Outbound CAC (USD, last 12 months)", outbound[0], 1600, 3000),
        Band("Inbound LTV(12):CAC", inbound[1], 3.0, 12.0),
        Band("Outbound LTV(12):CAC", outbound[1], 3.0, 12.0),
    ]


def _retention(conn: psycopg.Connection) -> list[Band]:
    """Annual GRR/NRR over the last 12 months of history, from subscription MRR at both ends."""
    query = """
        with runs as (select max(history_as_of) as as_of from bronze._generator_runs where kind = 'history'),
        versions as (
            select s.account_id, s.mrr_amount, s.status, s.updated_at
            from bronze.billing_subscriptions s where s._source_system = 'generator' and s.mrr_amount >= 0
        ),
        at_point as (
            select distinct on (account_id, point) account_id, point,
                case when status = 'active' then mrr_amount else 0 end as mrr
            from versions cross join lateral (
                select (select as_of from runs) - interval '12 months' as point
                union all select (select as_of from runs)
            ) p
            where updated_at <= p.point
            order by account_id, point, updated_at desc
        ),
        paired as (
            select account_id,
                sum(case when point = (select as_of from runs) - interval '12 months' then mrr else 0 end)
                    as start_mrr,
                sum(case when point = (select as_of from runs) then mrr else 0 end) as end_mrr
            from at_point group by account_id
        )
        select sum(least(end_mrr, start_mrr)) / sum(start_mrr) as grr, sum(end_mrr) / sum(start_mrr) as nrr
        from paired where start_mrr > 0
    """
    grr, nrr = conn.execute(query).fetchone()
    return [
        Band("annual GRR (last 12 months)", float(grr), 0.85, 0.95),
        Band("annual NRR (last 12 months)", float(nrr), 1.00, 1.20),
    ]
