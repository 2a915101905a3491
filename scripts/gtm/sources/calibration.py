"""The realism scorecard: the generated world measured from bronze with SQL (the latest version of each
record), against bands per named profile.

Every band names where its range comes from: the profile's design document (seed 000 for ``smb``, seed 002
for ``midmarket``: its own figure or its stated range) or a public SaaS benchmark, named. `gtm calibrate`
prints the scorecard and exits non-zero when a band is outside; the test suite asserts it on the default
world. Defect variants (status spellings, currency strings, odd years) are normalised here just enough to
measure, independently of the dbt staging layer.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import psycopg

from gtm.sources.generators.profile import DEFAULT_PROFILE_NAME

# Sources of the ranges (printed beside each band).
SEED_000 = "seed 000 (SMB funnel case)"
SEED_002 = "seed 002 (mid-market B2B SaaS)"
BENCH_CHURN = (
    "public benchmark: annual logo churn ~30-50% SMB, 10-20% mid-market, <10% enterprise (KeyBanc/Recurly)"
)
BENCH_NRR = "public benchmark: GRR ~80-90% and NRR ~100-120% for B2B SaaS (KeyBanc SaaS survey)"
BENCH_MAGIC = "public benchmark: magic number 0.5-1.5 (Scale Venture Partners' sales efficiency)"
BENCH_PAYBACK = "public benchmark: CAC payback under ~24 months (KeyBanc; SMB shorter)"
BENCH_AE = "public benchmark: ramped AE closes ~$0.3-1.2M new ACV a year (Bridge Group AE metrics)"
BENCH_EXPANSION = "public benchmark: expansion deals win well below 100% (won ~50-80% of worked upsells)"
BENCH_SOURCE = "public benchmark: referrals convert several times better than purchased lists"
BENCH_ACV = "public benchmark: ACV rises with customer size (enterprise > mid-market > SMB)"
ISSUE_CAC = "issue 19: CAC in no month above 3x the steady state (median month)"
RULE = "consistency rule of the generator (holds by construction when the simulation is right)"
PROFILE = "the profile's own volume setting"

LATEST_LEADS = """
    select distinct on (lead_id) lead_id,
        case when nullif(trim(form_submitted_at), '') is not null then 'Inbound' else 'Outbound' end
            as channel, lead_source,
        initcap(replace(lower(trim(status)), '_', ' ')) as status, created_at, first_call_at, first_email_at,
        first_text_at, form_submitted_at, call_count + email_count + text_count as touches,
        is_decision_maker_connected as dm,
        case when last_activity_at ~ '^20[0-9][0-9]-' then left(last_activity_at, 19)::timestamp end
            as last_activity_at
    from bronze.crm_leads where _source_system = 'generator' and lead_id is not null
    order by lead_id, updated_at desc, _loaded_at desc
"""
LATEST_OPPS = """
    select distinct on (o.opportunity_id) o.opportunity_id, o.opportunity_type, o.lead_id, o.account_id,
        initcap(replace(lower(trim(o.stage)), '_', ' ')) as stage, o.lost_reason, o.created_at, o.updated_at,
        case when o.amount ~ '^[0-9]+([.][0-9]+)?$' then o.amount::numeric end as amount
    from bronze.crm_opportunities o where o._source_system = 'generator'
    order by o.opportunity_id, o.updated_at desc, o._loaded_at desc
"""
LATEST_ACCOUNTS = """
    select distinct on (account_id) account_id, segment
    from bronze.crm_accounts where _source_system = 'generator'
    order by account_id, updated_at desc, _loaded_at desc
"""


@dataclass
class Band:
    name: str
    value: float
    low: float
    high: float
    source: str = ""

    @property
    def ok(self) -> bool:
        return not math.isnan(self.value) and self.low <= self.value <= self.high


# Ranges per profile: measure key -> (low, high, source). A key a profile omits is not scored for it.
INF = float("inf")
RANGES: dict[str, dict[str, tuple[float, float, str]]] = {
    "smb": {
        "leads per month (per unit of scale)": (3800, 5600, PROFILE),
        "inbound share of leads": (0.39, 0.45, SEED_000 + ": 42%"),
        "Inbound lead->opportunity rate": (0.15, 0.21, SEED_000 + ": 18.2%"),
        "Outbound lead->opportunity rate": (0.035, 0.06, SEED_000 + ": 4.7%"),
        "Referral / Purchased List conversion ratio": (3.0, 15.0, BENCH_SOURCE),
        "best / worst inbound source conversion ratio": (1.4, 3.5, BENCH_SOURCE),
        "share of leads in Working": (0.45, 0.58, SEED_000 + ": 54%"),
        "Working leads Active share": (0.22, 0.45, SEED_000 + ": 36% (a third each)"),
        "Working leads Aging share": (0.22, 0.45, SEED_000 + ": 31% (a third each)"),
        "Working leads Stale share": (0.22, 0.45, SEED_000 + ": 33% (a third each)"),
        "touches Active / Stale": (1.15, 3.0, SEED_000 + ": 11.0 vs 6.2 touches (1.8x)"),
        "decision-maker rate Active / Stale": (1.15, 3.0, SEED_000 + ": 27% vs 15% (1.8x)"),
        "share Incorrect Contact Data": (0.05, 0.08, SEED_000 + ": 6.9%"),
        "Inbound win rate of closed": (0.24, 0.32, SEED_000 + ": 28.0%"),
        "Outbound win rate of closed": (0.17, 0.24, SEED_000 + ": 20.7%"),
        "No Demo Held share of NB losses": (0.28, 0.40, SEED_000 + ": 34.4%"),
        "No Decision share of NB losses": (0.15, 0.26, SEED_000 + ": 20.1%"),
        "Lack of Urgency share of NB losses": (0.07, 0.14, SEED_000 + ": 10.5%"),
        "Price share of NB losses": (0.06, 0.12, SEED_000 + ": 9.0%"),
        "churn reasons among NB losses": (0.0, 0.0, RULE),
        "lost renewals with a churn reason": (1.0, 1.0, RULE),
        "inbound speed to lead, median hours": (10, 60, SEED_000),
        "Inbound CAC (USD, last 12 months)": (900, 1600, SEED_000 + " (current calibration)"),
        "Outbound CAC (USD, last 12 months)": (1600, 3000, SEED_000 + " (current calibration)"),
        "Inbound LTV(12):CAC": (3.0, 12.0, SEED_000 + ": both channels above 3x"),
        "Outbound LTV(12):CAC": (3.0, 12.0, SEED_000 + ": both channels above 3x"),
        "worst month CAC / median month, Inbound": (0.0, 3.0, ISSUE_CAC),
        "worst month CAC / median month, Outbound": (0.0, 3.0, ISSUE_CAC),
        "first month CAC / median month, Inbound": (0.0, 3.0, ISSUE_CAC),
        "first month CAC / median month, Outbound": (0.0, 3.0, ISSUE_CAC),
        "new ACV per ramped AE (USD / year)": (300_000, 1_500_000, BENCH_AE),
        "NB wins per ramped AE (per year)": (40, 300, SEED_000 + " SMB velocity; " + BENCH_AE),
        "magic number (last 12 months)": (0.4, 1.8, BENCH_MAGIC),
        "CAC payback, months (blended, last 12 months)": (1.0, 24.0, BENCH_PAYBACK),
        "logo churn SMB (last 12 months)": (0.18, 0.50, BENCH_CHURN),
        "logo churn Commercial (last 12 months)": (0.08, 0.30, BENCH_CHURN),
        "logo churn Mid Market (last 12 months)": (0.04, 0.20, BENCH_CHURN),
        "logo churn Enterprise (last 12 months)": (0.0, 0.12, BENCH_CHURN),
        "logo churn SMB / Enterprise": (1.5, INF, BENCH_CHURN),
        "GRR SMB (last 12 months)": (0.55, 0.88, BENCH_NRR),
        "GRR Enterprise (last 12 months)": (0.85, 0.99, BENCH_NRR),
        "NRR SMB (last 12 months)": (0.70, 1.10, BENCH_NRR),
        "NRR Enterprise (last 12 months)": (0.95, 1.35, BENCH_NRR),
        "annual GRR (last 12 months)": (0.80, 0.95, BENCH_NRR),
        "annual NRR (last 12 months)": (0.95, 1.20, BENCH_NRR),
        "median NB ACV SMB (USD)": (2_000, 8_000, SEED_000 + ": ~$500 a month"),
        "median NB ACV Enterprise / Mid Market": (1.5, INF, BENCH_ACV),
        "median NB ACV Mid Market / SMB": (2.0, INF, BENCH_ACV),
        "won NB deals billed at the booked ACV": (
            0.99,
            1.0,
            "issue 19: billed ARR = booked ACV per won deal",
        ),
        "won NB deals whose amount changed in the pipeline": (
            0.2,
            0.85,
            "issue 19: discounts and re-scoping",
        ),
        "later NB wins at customers that became revenue": (1.0, 1.0, RULE),
        "expansion win rate of closed": (0.5, 0.85, BENCH_EXPANSION),
        "open NB pipeline month 1 / median of months 2-7": (
            0.6,
            1.6,
            "issue 19: warm start (steady-state pipeline)",
        ),
        "ARR at as-of, USD M (per unit of scale)": (8, 40, SEED_000 + " SMB motion at its volume"),
    },
}


BENCH_WIN = "public benchmark: B2B SaaS win rates ~15-30% of closed new business"
BENCH_CYCLE = "public benchmark: mid-market cycles of one to six months"
RANGES["midmarket"] = {
    **{
        k: v
        for k, v in RANGES["smb"].items()
        if not k.startswith(("median NB ACV SMB", "ARR at", "Inbound CAC", "Outbound CAC", "leads per month"))
    },
    "leads per month (per unit of scale)": (1700, 2800, PROFILE),
    "inbound share of leads": (0.40, 0.50, PROFILE),
    "Inbound lead->opportunity rate": (0.12, 0.22, SEED_002 + ": conversion by lead source"),
    "Outbound lead->opportunity rate": (0.03, 0.06, SEED_002 + ": conversion by lead source"),
    "Inbound win rate of closed": (0.20, 0.32, BENCH_WIN),
    "Outbound win rate of closed": (0.14, 0.24, BENCH_WIN),
    "Inbound CAC (USD, last 12 months)": (4_000, 30_000, BENCH_PAYBACK),
    "Outbound CAC (USD, last 12 months)": (6_000, 45_000, BENCH_PAYBACK),
    "Inbound LTV(12):CAC": (1.0, 8.0, BENCH_PAYBACK),
    "Outbound LTV(12):CAC": (0.7, 6.0, BENCH_PAYBACK),
    "NB wins per ramped AE (per year)": (8, 80, BENCH_AE),
    "CAC payback, months (blended, last 12 months)": (4.0, 30.0, BENCH_PAYBACK),
    "median NB ACV SMB (USD)": (4_000, 20_000, SEED_002 + ": SMB to mid-market customers"),
    "median won NB cycle, days": (30, 180, SEED_002 + ": 30-180 day cycles; " + BENCH_CYCLE),
    "won NB deals on 12-36 month terms": (1.0, 1.0, SEED_002 + ": 12-36 month terms"),
    "ARR at as-of, USD M (per unit of scale)": (30, 150, SEED_002 + ": $30-150M ARR"),
}


def detect_profile(conn: psycopg.Connection) -> str:
    """The named profile that generated the world in bronze (matched by profile hash)."""
    from gtm.sources.generators.profile import PROFILES, load_profile, profile_hash

    row = (
        conn.execute("select profile_hash from bronze._generator_runs where kind = 'history'").fetchone()
        if _has_runs(conn)
        else None
    )
    if row is None:
        raise ValueError("bronze holds no generated history: run `gtm generate` first")
    for name in PROFILES:
        if profile_hash(load_profile(name)) == row[0]:
            return name
    raise ValueError(
        "the world in bronze was generated from a custom profile: pass --profile NAME to score it"
    )


def _has_runs(conn: psycopg.Connection) -> bool:
    return conn.execute("select to_regclass('bronze._generator_runs') is not null").fetchone()[0]


def ranges_for(profile: str) -> dict[str, tuple[float, float, str]]:
    if profile not in RANGES:
        raise ValueError(f"no calibration bands for profile {profile!r} (known: {', '.join(sorted(RANGES))})")
    return RANGES[profile]


def _one(conn: psycopg.Connection, query: str, params: dict | None = None) -> float:
    value = conn.execute(query, params or {}).fetchone()[0]
    return float(value) if value is not None else float("nan")


def _median(values: list[float]) -> float:
    ordered = sorted(values)
    if not ordered:
        return math.nan
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2


def _ratio(a: float, b: float) -> float:
    return a / b if b and not math.isnan(b) and b > 0 else float("nan")


def measure(conn: psycopg.Connection, profile: str = DEFAULT_PROFILE_NAME) -> list[Band]:
    """Every band of ``profile`` measured on the world in bronze (volumes per unit of --scale)."""
    ranges = ranges_for(profile)
    # Latest versions into analysed temp tables: joins over DISTINCT ON subqueries get estimates so far off
    # that the planner picks nested loops running for many minutes.
    tables = {
        "calibration_leads": LATEST_LEADS,
        "calibration_opps": LATEST_OPPS,
        "calibration_accounts": LATEST_ACCOUNTS,
    }
    for name, query in tables.items():
        conn.execute(f"CREATE TEMP TABLE IF NOT EXISTS {name} AS {query}")
        conn.execute(f"ANALYZE {name}")
    try:
        values = _measure(conn)
    finally:
        for name in tables:
            conn.execute(f"DROP TABLE IF EXISTS {name}")
    return [
        Band(name, values.get(name, float("nan")), low, high, source)
        for name, (low, high, source) in ranges.items()
    ]


def _measure(conn: psycopg.Connection) -> dict[str, float]:
    v: dict[str, float] = {}
    run = conn.execute(
        "select history_as_of, scale, history_start from bronze._generator_runs where kind = 'history'"
    ).fetchone()
    as_of, scale, history_start = run
    p = {"as_of": as_of, "scale": scale, "start": history_start}
    v.update(_funnel(conn, p))
    v.update(_working(conn, p))
    v.update(_losses(conn))
    v.update(_unit_economics(conn, p))
    v.update(_retention(conn, p))
    v.update(_deals(conn, p))
    return v


def _funnel(conn, p) -> dict[str, float]:
    leads = "calibration_leads"
    v = {}
    # Leads created in the history's months (leads from the warm-up months that were still open are kept too).
    months = _one(
        conn,
        f"select count(distinct date_trunc('month', created_at)) from {leads} where created_at >= %(start)s",
        p,
    )
    in_history = _one(conn, f"select count(*) from {leads} where created_at >= %(start)s", p)
    v["leads per month (per unit of scale)"] = in_history / months / p["scale"]
    v["inbound share of leads"] = _one(conn, f"select avg((channel = 'Inbound')::int) from {leads}")
    for channel in ("Inbound", "Outbound"):
        v[f"{channel} lead->opportunity rate"] = _one(
            conn, f"select avg((status = 'Converted')::int) from {leads} where channel = '{channel}'"
        )
    by_source = dict(
        conn.execute(
            f"select lead_source, avg((status = 'Converted')::int) from {leads} group by 1"
        ).fetchall()
    )
    by_source = {k: float(x) for k, x in by_source.items() if k}
    v["Referral / Purchased List conversion ratio"] = _ratio(
        by_source.get("Referral", math.nan), by_source.get("Purchased List", math.nan)
    )
    inbound_sources = [
        float(x)
        for (x,) in conn.execute(
            f"""select avg((status = 'Converted')::int) from {leads} where channel = 'Inbound'
                group by lead_source having count(*) > 200"""
        ).fetchall()
    ]
    v["best / worst inbound source conversion ratio"] = (
        _ratio(max(inbound_sources), min(inbound_sources)) if inbound_sources else math.nan
    )
    v["share of leads in Working"] = _one(conn, f"select avg((status = 'Working')::int) from {leads}")
    v["share Incorrect Contact Data"] = _one(
        conn, f"select avg((status = 'Incorrect Contact Data')::int) from {leads}"
    )
    won_rate = """
        select avg((o.stage = 'Closed Won')::int)
        from calibration_opps o join calibration_leads l on l.lead_id = o.lead_id
        where o.opportunity_type = 'New Business' and o.stage in ('Closed Won', 'Closed Lost')
          and l.channel = '{channel}'
    """
    for channel in ("Inbound", "Outbound"):
        v[f"{channel} win rate of closed"] = _one(conn, won_rate.format(channel=channel))
    v["inbound speed to lead, median hours"] = _one(
        conn,
        f"""
        select percentile_cont(0.5) within group (order by extract(epoch from
            least(nullif(first_call_at, '')::timestamptz, nullif(first_email_at, '')::timestamptz,
                  nullif(first_text_at, '')::timestamptz) - created_at) / 3600)
        from {leads} where channel = 'Inbound' and left(coalesce(first_call_at, ''), 2) in ('', '20')
          and left(coalesce(first_email_at, ''), 2) in ('', '20')
          and left(coalesce(first_text_at, ''), 2) in ('', '20')
          and length(coalesce(first_call_at, '')) <= 19 and length(coalesce(first_email_at, '')) <= 19
          and length(coalesce(first_text_at, '')) <= 19
          and coalesce(first_call_at, first_email_at, first_text_at, '') <> ''
        """,
    )
    return v


def _working(conn, p) -> dict[str, float]:
    """Working-lead health as the seed defines it (days since the last activity: Active <= 30, Aging <= 90,
    Stale beyond), with average touches and decision-maker connection per health band."""
    rows = conn.execute(
        """
        with w as (
            select touches, dm, (%(as_of)s::date + 1) - last_activity_at::date as days_inactive
            from calibration_leads where status = 'Working' and last_activity_at is not null
        ), h as (
            select case when days_inactive <= 30 then 'Active' when days_inactive <= 90 then 'Aging'
                else 'Stale' end as health, touches, dm from w
        )
        select health, count(*)::float / sum(count(*)) over (), avg(touches), avg(dm::int) from h group by 1
        """,
        p,
    ).fetchall()
    got = {r[0]: (float(r[1]), float(r[2]), float(r[3])) for r in rows}
    nan3 = (math.nan,) * 3
    v = {f"Working leads {h} share": got.get(h, nan3)[0] for h in ("Active", "Aging", "Stale")}
    v["touches Active / Stale"] = _ratio(got.get("Active", nan3)[1], got.get("Stale", nan3)[1])
    v["decision-maker rate Active / Stale"] = _ratio(got.get("Active", nan3)[2], got.get("Stale", nan3)[2])
    return v


def _losses(conn) -> dict[str, float]:
    v = {}
    nb = "from calibration_opps where stage = 'Closed Lost' and opportunity_type = 'New Business'"
    for label, reason in (
        ("No Demo Held", "No Demo Held"),
        ("No Decision", "No Decision / Non-Responsive"),
        ("Lack of Urgency", "Lack of Urgency"),
        ("Price", "Price"),
    ):
        v[f"{label} share of NB losses"] = _one(conn, f"select avg((lost_reason = '{reason}')::int) {nb}")
    v["churn reasons among NB losses"] = _one(conn, f"select avg((lost_reason like 'Churn%%')::int) {nb}")
    v["lost renewals with a churn reason"] = _one(
        conn,
        """select avg((lost_reason like 'Churn%%')::int) from calibration_opps
           where stage = 'Closed Lost' and opportunity_type = 'Renewal'""",
    )
    v["expansion win rate of closed"] = _one(
        conn,
        """select avg((stage = 'Closed Won')::int) from calibration_opps
           where opportunity_type = 'Expansion' and stage in ('Closed Won', 'Closed Lost')""",
    )
    return v


def _unit_economics(conn, p) -> dict[str, float]:
    """CAC and 12-month LTV:CAC per channel over the last 12 months, as seed 000 defines them: inbound cost =
    ad spend + inbound team pay, outbound cost = outbound team pay, CAC = cost / New Business wins closed in
    the window, LTV(12) = 12 x (average booked MRR of those wins + average monthly usage charge). Then the
    same CAC month by month (the first month and the worst later month against the median month), AE
    productivity, magic number and CAC payback."""
    base = """
        with window_ as (
            select %(as_of)s::date + 1 - interval '12 months' as lo, %(as_of)s::date + 1 as hi
        ),
        wins as (
            select l.channel, o.updated_at, o.amount
            from calibration_opps o join calibration_leads l using (lead_id)
            where o.stage = 'Closed Won' and o.opportunity_type = 'New Business'
        ),
        team as (
            select month_start, case team when 'Inbound Sales' then 'Inbound' else 'Outbound' end as channel,
                salary_amount + commission_amount as pay
            from bronze.spend_team_monthly where team in ('Inbound Sales', 'Outbound Sales')
        ),
        ads as (
            select date_trunc('month', spend_date)::date as month_start, sum(spend_amount) as spend
            from bronze.spend_ad_daily where spend_amount > 0 group by 1
        )
    """
    rows = conn.execute(
        base
        + """
        , w as (
            select channel, count(*) as n, avg(amount / 12) as mrr from wins, window_
            where updated_at >= lo and updated_at < hi group by 1
        ),
        cost as (
            select t.channel, sum(t.pay) + case when t.channel = 'Inbound' then
                (select sum(spend) from ads, window_ where month_start >= lo and month_start < hi) else 0 end
                as total
            from team t, window_ where t.month_start >= lo and t.month_start < hi group by 1
        ),
        usage as (
            select avg(amount) as per_month from bronze.billing_usage_charges, window_
            where usage_month >= lo and usage_month < hi
        )
        select w.channel, cost.total / w.n, 12 * (w.mrr + (select per_month from usage)) / (cost.total / w.n)
        from w join cost using (channel)
        """,
        p,
    ).fetchall()
    values = {c: (float(cac), float(ratio)) for c, cac, ratio in rows}
    v = {}
    for channel in ("Inbound", "Outbound"):
        cac, ratio = values.get(channel, (math.nan, math.nan))
        v[f"{channel} CAC (USD, last 12 months)"] = cac
        v[f"{channel} LTV(12):CAC"] = ratio
    monthly = conn.execute(
        base
        + """
        , m as (
            select t.channel, t.month_start, sum(t.pay) + case when t.channel = 'Inbound'
                then coalesce((select spend from ads a where a.month_start = t.month_start), 0) else 0 end
                as cost,
                (select count(*) from wins where wins.channel = t.channel
                   and date_trunc('month', wins.updated_at)::date = t.month_start) as n
            from team t where t.month_start <= %(as_of)s group by 1, 2
        )
        select channel, month_start, cost / nullif(n, 0) from m order by 1, 2
        """,
        p,
    ).fetchall()
    for channel in ("Inbound", "Outbound"):
        # Every month after the first against the median month (months 2..n), and the first month too: a
        # cold start shows as a first month, and a ramp of months, far above the steady state.
        series = [float(c) if c is not None else math.inf for ch, _m, c in monthly if ch == channel]
        median = _median([x for x in series[1:] if math.isfinite(x)])
        v[f"worst month CAC / median month, {channel}"] = (
            max(_ratio(x, median) for x in series[1:]) if len(series) > 1 else math.nan
        )
        v[f"first month CAC / median month, {channel}"] = _ratio(series[0], median) if series else math.nan
    ae = conn.execute(
        """
        with window_ as (select %(as_of)s::date + 1 - interval '12 months' as lo, %(as_of)s::date + 1 as hi),
        users as (
            select distinct on (user_id) user_id, role, hired_on from bronze.crm_users
            order by user_id, updated_at desc
        ),
        months as (select generate_series(lo, hi - interval '1 month', interval '1 month') as m from window_),
        ramped as (
            select avg((select count(*) from users where role = 'AE'
                        and hired_on <= months.m - interval '3 months')) as n from months
        )
        select sum(o.amount) / (select n from ramped), count(*) / (select n from ramped)
        from calibration_opps o, window_
        where o.opportunity_type = 'New Business' and o.stage = 'Closed Won' and o.lead_id is not null
          and o.updated_at >= lo and o.updated_at < hi
        """,
        p,
    ).fetchone()
    v["new ACV per ramped AE (USD / year)"] = float(ae[0]) if ae[0] is not None else math.nan
    v["NB wins per ramped AE (per year)"] = float(ae[1]) if ae[1] is not None else math.nan
    efficiency = conn.execute(
        """
        with window_ as (select %(as_of)s::date + 1 - interval '12 months' as lo, %(as_of)s::date + 1 as hi),
        arr as (
            select point, 12 * sum(mrr) as arr from (
                select distinct on (subscription_id, point) point,
                    case when status = 'active' then mrr_amount else 0 end as mrr
                from bronze.billing_subscriptions, window_,
                    lateral (select lo as point union all select hi) pts
                where _source_system = 'generator' and updated_at < pts.point and mrr_amount >= 0
                order by subscription_id, point, updated_at desc
            ) s group by point
        ),
        spend as (
            select (select sum(spend_amount) from bronze.spend_ad_daily, window_
                    where spend_date >= lo and spend_date < hi and spend_amount > 0)
                 + (select sum(salary_amount + commission_amount) from bronze.spend_team_monthly, window_
                    where team <> 'Customer Success' and month_start >= lo and month_start < hi) as total
        ),
        new_mrr as (
            select count(*) as n, sum(amount) / 12 as mrr from calibration_opps, window_
            where opportunity_type = 'New Business' and stage = 'Closed Won' and lead_id is not null
              and updated_at >= lo and updated_at < hi
        )
        select ((select arr from arr, window_ where point = hi)
                - (select arr from arr, window_ where point = lo))
                / (select total from spend),
            ((select total from spend) / (select n from new_mrr))
                / ((select mrr from new_mrr) / (select n from new_mrr)),
            (select arr from arr, window_ where point = hi)
        """,
        p,
    ).fetchone()
    v["magic number (last 12 months)"] = float(efficiency[0]) if efficiency[0] is not None else math.nan
    v["CAC payback, months (blended, last 12 months)"] = (
        float(efficiency[1]) if efficiency[1] is not None else math.nan
    )
    v["ARR at as-of, USD M (per unit of scale)"] = (
        float(efficiency[2]) / 1e6 / p["scale"] if efficiency[2] is not None else math.nan
    )
    return v


def _retention(conn, p) -> dict[str, float]:
    """Logo churn, GRR and NRR over the last 12 months per account segment, from subscription MRR at both
    ends (an account counts as churned when it had MRR a year ago and has none at the as-of date)."""
    rows = conn.execute(
        """
        with points as (
            select %(as_of)s::date + 1 - interval '12 months' as point union all select %(as_of)s::date + 1
        ),
        at_point as (
            select distinct on (s.subscription_id, p.point) s.account_id, p.point,
                case when s.status = 'active' then s.mrr_amount else 0 end as mrr
            from bronze.billing_subscriptions s cross join points p
            where s._source_system = 'generator' and s.mrr_amount >= 0 and s.updated_at < p.point
            order by s.subscription_id, p.point, s.updated_at desc
        ),
        paired as (
            select account_id,
                sum(case when point < %(as_of)s::date then mrr else 0 end) as start_mrr,
                sum(case when point > %(as_of)s::date then mrr else 0 end) as end_mrr
            from at_point group by account_id
        )
        select coalesce(a.segment, 'Total'), avg((end_mrr = 0)::int),
            sum(least(end_mrr, start_mrr)) / sum(start_mrr), sum(end_mrr) / sum(start_mrr)
        from paired join calibration_accounts a using (account_id)
        where start_mrr > 0
        group by rollup (a.segment)
        """,
        p,
    ).fetchall()
    got = {r[0]: (float(r[1]), float(r[2]), float(r[3])) for r in rows}
    nan3 = (math.nan,) * 3
    v = {}
    for segment in ("SMB", "Commercial", "Mid Market", "Enterprise"):
        churn, grr, nrr = got.get(segment, nan3)
        v[f"logo churn {segment} (last 12 months)"] = churn
        v[f"GRR {segment} (last 12 months)"] = grr
        v[f"NRR {segment} (last 12 months)"] = nrr
    v["logo churn SMB / Enterprise"] = _ratio(got.get("SMB", nan3)[0], got.get("Enterprise", nan3)[0])
    v["annual GRR (last 12 months)"] = got.get("Total", nan3)[1]
    v["annual NRR (last 12 months)"] = got.get("Total", nan3)[2]
    return v


def _deals(conn, p) -> dict[str, float]:
    v = {}
    medians = dict(
        conn.execute(
            """select a.segment, percentile_cont(0.5) within group (order by o.amount)
               from calibration_opps o join calibration_accounts a using (account_id)
               where o.opportunity_type = 'New Business' and o.stage = 'Closed Won' and o.lead_id is not null
               group by 1"""
        ).fetchall()
    )
    medians = {k: float(x) for k, x in medians.items()}
    v["median NB ACV SMB (USD)"] = medians.get("SMB", math.nan)
    v["median NB ACV Enterprise / Mid Market"] = _ratio(
        medians.get("Enterprise", math.nan), medians.get("Mid Market", math.nan)
    )
    v["median NB ACV Mid Market / SMB"] = _ratio(
        medians.get("Mid Market", math.nan), medians.get("SMB", math.nan)
    )
    # Billed = booked: the subscription version a won deal created (new, or the expansion/restart a later win
    # at a customer made) carries that deal's ACV as MRR x 12, within rounding.
    billed = conn.execute(
        """
        with first_win as (
            select account_id, min(updated_at) as first_at from calibration_opps
            where opportunity_type = 'New Business' and stage = 'Closed Won' group by 1
        ),
        wins as (
            select o.opportunity_id, o.amount, o.updated_at > f.first_at as is_later
            from calibration_opps o join first_win f using (account_id)
            where o.opportunity_type = 'New Business' and o.stage = 'Closed Won' and o.lead_id is not null
              and o.amount is not null and o.updated_at < %(as_of)s::date + 1
        ),
        sub as (
            select distinct on (s.opportunity_id) s.opportunity_id, s.mrr_amount, s.change_type
            from bronze.billing_subscriptions s
            where s._source_system = 'generator' and s.opportunity_id is not null
            order by s.opportunity_id, s.updated_at
        ),
        prev as (
            select s.opportunity_id, s.mrr_amount - coalesce(lag(s.mrr_amount) over (
                partition by s.subscription_id order by s.updated_at), 0) as added
            from bronze.billing_subscriptions s where s._source_system = 'generator'
        ),
        added as (
            select distinct on (opportunity_id) opportunity_id, added from prev
            where opportunity_id is not null order by opportunity_id
        )
        select avg((abs(12 * coalesce(case when w.is_later and s.change_type = 'expansion' then a.added
                                          else s.mrr_amount end, 0) - w.amount) <= 0.12)::int)
                filter (where not w.is_later),
            avg((s.opportunity_id is not null)::int) filter (where w.is_later)
        from wins w left join sub s using (opportunity_id) left join added a using (opportunity_id)
        """,
        p,
    ).fetchone()
    v["won NB deals billed at the booked ACV"] = float(billed[0]) if billed[0] is not None else math.nan
    v["later NB wins at customers that became revenue"] = (
        float(billed[1]) if billed[1] is not None else math.nan
    )
    v["won NB deals whose amount changed in the pipeline"] = _one(
        conn,
        """
        with amounts as (
            select opportunity_id,
                count(distinct case when amount ~ '^[0-9]+([.][0-9]+)?$' then amount::numeric end) as n
            from bronze.crm_opportunities
            where _source_system = 'generator' and opportunity_type = 'New Business'
            group by 1
        )
        select avg((a.n > 1)::int) from amounts a join calibration_opps o using (opportunity_id)
        where o.stage = 'Closed Won' and o.lead_id is not null
        """,
    )
    v["median won NB cycle, days"] = _one(
        conn,
        """select percentile_cont(0.5) within group (
               order by extract(epoch from updated_at - created_at) / 86400)
           from calibration_opps where opportunity_type = 'New Business' and stage = 'Closed Won'
             and lead_id is not null""",
    )
    v["won NB deals on 12-36 month terms"] = _one(
        conn,
        """with terms as (
               select distinct on (opportunity_id) opportunity_id, term_months from bronze.crm_opportunities
               where _source_system = 'generator' order by opportunity_id, updated_at desc
           )
           select avg((t.term_months between 12 and 36)::int) from calibration_opps o join terms t
               using (opportunity_id)
           where o.opportunity_type = 'New Business' and o.stage = 'Closed Won' and o.lead_id is not null""",
    )
    v["open NB pipeline month 1 / median of months 2-7"] = _one(
        conn,
        """
        with months as (
            select generate_series(%(start)s::date, %(as_of)s::date, interval '1 month') as m
        ),
        open_at as (
            select m, (select count(*) from calibration_opps o
                       where o.opportunity_type = 'New Business' and o.created_at < m + interval '14 days'
                         and (o.stage not in ('Closed Won', 'Closed Lost')
                              or o.updated_at >= m + interval '14 days')
                      ) as n
            from months
        )
        select (select n from open_at order by m limit 1)::float
            / (select percentile_cont(0.5) within group (order by n)
               from (select n from open_at order by m offset 1 limit 6) next_months)
        """,
        p,
    )
    return v
