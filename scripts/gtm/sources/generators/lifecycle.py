"""Customers after the sale: subscriptions, renewals and expansions, invoices, API traffic, incidents,
support and surveys, with the observability-to-revenue chain built in.

Incidents are exogenous (drawn per month). An account is *exposed* in a week when a SEV1/SEV2 incident
hit its region (or everyone) or when its traffic is throttled for exceeding its plan quota. Exposure
lowers its request volume for the next four weeks, raises its ticket rate, lowers its survey scores and
multiplies its contraction and churn probabilities over the next twelve weeks, so the O2R marts have a
real effect to find.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gtm.sources.generators.frames import (
    NULL_TS,
    US_PER_DAY,
    US_PER_HOUR,
    US_PER_MINUTE,
    ids,
    month_start,
    to_us,
    us_to_date,
)
from gtm.sources.generators.world import Customer, World

US_PER_WEEK = 7 * US_PER_DAY
SERVING_REGION = {
    "North America": "us-east-1",
    "EMEA": "eu-west-1",
    "APAC": "ap-southeast-1",
    "LATAM": "sa-east-1",
}
REGIONS = list(SERVING_REGION)
# Renewal and expansion opportunities: id range, days before the change they open, and cycle-length factor.
LIFECYCLE_OPPORTUNITIES = {
    "Renewal": (5_000_000_000, (60, 90), 0.8),
    "Expansion": (8_000_000_000, (20, 45), 0.5),
}


@dataclass
class Interval:
    """A span during which a subscription was active at a given plan and MRR."""

    start_us: int
    end_us: int
    plan: int
    mrr: float
    subscription_id: str


@dataclass
class _Term:
    """A subscription's current contract while its lifecycle is simulated."""

    subscription_id: str
    plan: int
    term: int
    start_us: int
    end_us: int
    mrr: float
    opportunity_id: str | None

    def version(self, at_us: int, status: str, change: str, cancelled_us: int = NULL_TS) -> tuple:
        """One billing_subscriptions row: the contract as it stands at ``at_us``."""
        return (
            self.subscription_id,
            at_us,
            self.plan,
            self.term,
            self.start_us,
            self.end_us,
            self.mrr,
            status,
            change,
            cancelled_us,
            self.opportunity_id,
        )


class Lifecycle:
    def __init__(self, world: World) -> None:
        self.w = world
        self.p = world.p
        self.intervals: dict[int, list[Interval]] = {}
        self.over_quota: dict[int, bool] = {}
        self.customer_by_account: dict[int, Customer] = {}

    # ------------------------------------------------------------------ incidents and exposure
    def build_incidents(self) -> None:
        ip = self.p["incidents"]
        w = self.w
        rows = []
        for m in range(w.n_months):
            rng = w.rng("incidents", m)
            first = month_start(w.start, m)
            n_days = (month_start(first, 1) - first).days
            counts = rng.poisson(ip["per_day"], n_days)
            for day in np.flatnonzero(counts):
                for _ in range(counts[day]):
                    sev = int(rng.choice(3, p=ip["severity_weights"]))
                    start = to_us(first) + int(day) * US_PER_DAY + int(rng.integers(0, 86_400)) * 1_000_000
                    minutes = max(5, int(rng.lognormal(np.log(ip["duration_median_minutes"][sev]), 0.6)))
                    is_global = rng.random() < ip["global_share"]
                    region = (
                        None
                        if is_global
                        else str(rng.choice(REGIONS, p=self.p["accounts"]["region_weights"]))
                    )
                    rows.append((start, start + minutes * US_PER_MINUTE, sev, region, minutes))
        rows.sort()
        self.incidents = rows
        n = len(rows)
        if not n:
            self._index_exposure()
            return
        starts = np.array([r[0] for r in rows], dtype=np.int64)
        ends = np.array([r[1] for r in rows], dtype=np.int64)
        titles = [
            f"{'Outage' if r[2] == 0 else 'Degraded performance'} "
            f"{'(all regions)' if r[3] is None else 'in ' + SERVING_REGION[r[3]]}"
            for r in rows
        ]
        self.w.out.add(
            "product_incidents",
            ends,
            incident_id=ids("INC", np.arange(1, n + 1), 5),
            title=titles,
            severity=[ip["severities"][r[2]] for r in rows],
            scope=["global" if r[3] is None else "region" for r in rows],
            affected_region=[None if r[3] is None else SERVING_REGION[r[3]] for r in rows],
            started_at=starts,
            resolved_at=ends,
            downtime_minutes=[r[4] if r[2] == 0 else 0 for r in rows],
        )
        self._index_exposure()

    def _index_exposure(self) -> None:
        """Per region, cumulative weeks with an outage (SEV1): 'exposed in the last k weeks' is O(1)."""
        w = self.w
        n_weeks = int((w.end_us - w.start_us) // US_PER_WEEK) + 2
        hit = np.zeros((len(REGIONS), n_weeks + 1), dtype=np.int64)
        for start, _end, sev, region, _ in getattr(self, "incidents", []):
            if sev == 0:  # outages drive the revenue effect; degradations show up in tickets and CSAT
                week = int((start - w.start_us) // US_PER_WEEK)
                for r in [REGIONS.index(region)] if region else range(len(REGIONS)):
                    hit[r, week + 1] = 1
        self.exposure_cumsum = np.cumsum(hit, axis=1)
        self._cumsum_rows = [
            row.tolist() for row in self.exposure_cumsum
        ]  # [r, k] = exposed weeks among weeks < k
        self.region_index = {r: i for i, r in enumerate(REGIONS)}

    def region_exposed(self, region_idx, at_us, weeks: int):
        week = np.clip(
            (np.asarray(at_us) - self.w.start_us) // US_PER_WEEK, 0, self.exposure_cumsum.shape[1] - 1
        )
        lo = np.clip(week - weeks, 0, None)
        return (self.exposure_cumsum[region_idx, week] - self.exposure_cumsum[region_idx, lo]) > 0

    def exposed(self, account_idx: int, at_us: int, weeks: int = 12) -> bool:
        """Scalar version (plain Python: called per account-month in the lifecycle loop)."""
        if self.over_quota.get(account_idx, False):
            return True
        row = self._cumsum_rows[self.region_index[self.w.acct_region[account_idx]]]
        week = min(max((at_us - self.w.start_us) // US_PER_WEEK, 0), len(row) - 1)
        return row[week] - row[max(week - weeks, 0)] > 0

    # ------------------------------------------------------------------ subscriptions
    def build_subscriptions(self) -> None:
        w, rp = self.w, self.p["retention"]
        pl = self.p["plans"]
        up = self.p["usage"]
        csms = w.team("CSM", None)
        horizon = w.end_us
        for c in sorted(w.customers, key=lambda x: (x.start_us, x.account_idx)):
            if c.account_idx in self.customer_by_account:
                continue  # a second New Business win at a known customer is handled as an expansion
            rng = w.rng("lifecycle", c.account_idx)
            self.customer_by_account[c.account_idx] = c
            self.over_quota[c.account_idx] = bool(rng.random() < up["over_quota_share"] * (1 + 0.5 * c.plan))
            throttled = self.over_quota[c.account_idx]
            csm = str(csms[rng.integers(0, len(csms))])
            w.account_version(c.account_idx, c.start_us, "Customer", csm)
            # Ids derive from the account, never from a global counter, so a longer simulated horizon
            # (an increment) re-creates exactly the same ids.
            base_id = f"S{c.account_idx + 1:07d}"
            k = _Term(
                base_id,
                c.plan,
                c.term_months,
                c.start_us,
                add_months(c.start_us, c.term_months),
                c.mrr,
                c.opportunity_id,
            )
            intervals: list[Interval] = []
            versions = [k.version(k.start_us, "active", "new")]
            seg_start = t = k.start_us
            reactivations = renewals = expansions = 0
            while t < horizon:
                nxt = add_months(t, 1)
                if nxt >= k.end_us:
                    # Renewal decision at term end.
                    p_churn = 1 - (1 - rp["base_churn_at_renewal"]) ** (k.term / 12)
                    if self.exposed(c.account_idx, k.end_us) and not throttled:
                        p_churn *= rp["exposed_churn_multiplier"]
                    if throttled:
                        p_churn *= rp["throttled_churn_multiplier"]
                    churn = rng.random() < min(p_churn, 0.9)
                    renewals += 1
                    k.opportunity_id = self._lifecycle_opportunity(
                        rng, c, csm, "Renewal", k.end_us, k.mrr, k.plan, k.term, not churn, renewals
                    )
                    intervals.append(Interval(seg_start, k.end_us, k.plan, k.mrr, k.subscription_id))
                    if not churn:
                        k.start_us, k.end_us = k.end_us, add_months(k.end_us, k.term)
                        versions.append(k.version(k.start_us, "active", "renewal"))
                        seg_start = t = k.start_us
                        continue
                    versions.append(k.version(k.end_us, "expired", "cancellation", cancelled_us=k.end_us))
                    w.account_version(c.account_idx, k.end_us, "Former Customer", csm)
                    if reactivations == 0 and rng.random() < rp["reactivation_rate"]:
                        back = add_months(k.end_us, int(rng.integers(3, 12)))
                        if back < horizon:
                            reactivations += 1
                            k.subscription_id = f"{base_id}-R{reactivations}"
                            k.term, k.start_us, k.end_us = 12, back, add_months(back, 12)
                            k.mrr = round(k.mrr * rng.uniform(0.7, 1.1), 2)
                            versions.append(k.version(k.start_us, "active", "reactivation"))
                            w.account_version(c.account_idx, k.start_us, "Customer", csm)
                            seg_start = t = k.start_us
                            continue
                    break
                # Mid-term changes on monthly anniversaries.
                exposed = self.exposed(c.account_idx, nxt)
                p_con = rp["monthly_contraction"] * (rp["exposed_contraction_multiplier"] if exposed else 1.0)
                if rng.random() < rp["monthly_expansion"] * (0.5 if exposed else 1.0):
                    intervals.append(Interval(seg_start, nxt, k.plan, k.mrr, k.subscription_id))
                    old_mrr = k.mrr
                    k.mrr = round(k.mrr * (1 + rng.uniform(*rp["expansion_range"])), 2)
                    if k.plan < 3 and rng.random() < 0.35:
                        k.plan += 1
                        k.mrr = max(k.mrr, pl["list_mrr"][k.plan])
                    expansions += 1
                    k.opportunity_id = self._lifecycle_opportunity(
                        rng, c, csm, "Expansion", nxt, k.mrr - old_mrr, k.plan, k.term, True, expansions
                    )
                    seg_start = nxt
                    versions.append(k.version(nxt, "active", "expansion"))
                elif rng.random() < p_con:
                    intervals.append(Interval(seg_start, nxt, k.plan, k.mrr, k.subscription_id))
                    k.mrr = round(k.mrr * (1 - rng.uniform(*rp["contraction_range"])), 2)
                    seg_start = nxt
                    k.opportunity_id = None
                    versions.append(k.version(nxt, "active", "contraction"))
                t = nxt
            else:
                intervals.append(
                    Interval(seg_start, max(horizon, seg_start), k.plan, k.mrr, k.subscription_id)
                )
            self.intervals[c.account_idx] = [iv for iv in intervals if iv.end_us > iv.start_us]
            self._emit_subscription_versions(c, versions)

    def _emit_subscription_versions(self, c: Customer, versions: list[tuple]) -> None:
        included = self.p["plans"]["included_tokens_monthly"]
        names = self.p["plans"]["names"]
        cols = list(zip(*versions, strict=True))
        times = np.array(cols[1], dtype=np.int64)
        self.w.out.add(
            "billing_subscriptions",
            times,
            subscription_id=list(cols[0]),
            account_id=c.account_id,
            opportunity_id=list(cols[10]),
            plan=[names[p] for p in cols[2]],
            term_months=list(cols[3]),
            start_date=np.array(cols[4], dtype=np.int64),
            end_date=np.array(cols[5], dtype=np.int64),
            mrr_amount=[float(m) for m in cols[6]],
            included_tokens_monthly=[included[p] for p in cols[2]],
            status=list(cols[7]),
            change_type=list(cols[8]),
            cancelled_at=np.array(cols[9], dtype=np.int64),
            updated_at=times,
        )

    def _lifecycle_opportunity(self, rng, c, owner, kind, at_us, mrr, plan, term, won, k) -> str:
        """Opportunity behind a subscription change, closing at ``at_us``; ``mrr`` is the amount's MRR
        (full MRR for a renewal, the added MRR for an expansion). Lost renewals are the churned ones."""
        id_base, (lead_lo, lead_hi), cycle_factor = LIFECYCLE_OPPORTUNITIES[kind]
        opp_id = f"O{id_base + c.account_idx * 1000 + k:010d}"
        created = at_us - int(rng.uniform(lead_lo, lead_hi) * US_PER_DAY)
        self.w._opportunity_path(
            rng,
            opp_id,
            created,
            c.account_idx,
            None,
            owner,
            c.segment,
            plan,
            term,
            mrr,
            won,
            0 if won else 1,
            4 if won else 3,
            cycle_factor,
            kind,
            c.contact_ids[0] if c.contact_ids else None,
            amount=round(mrr * 12, 2),
        )
        return opp_id

    # ------------------------------------------------------------------ invoices
    def build_invoices(self) -> None:
        w = self.w
        for account_idx, intervals in sorted(self.intervals.items()):
            c = self.customer_by_account[account_idx]
            rng = w.rng("invoices", account_idx)
            rows = []
            for m in range(w.n_months):
                first = to_us(month_start(w.start, m))
                active = [iv for iv in intervals if iv.start_us <= first < iv.end_us]
                if not active:
                    continue
                iv = active[-1]
                paid_delay = int(rng.uniform(1, 35) * US_PER_DAY)
                status_paid = rng.random() < 0.97
                nxt = to_us(month_start(w.start, m + 1))
                rows.append(
                    (
                        f"INV-{c.account_id}-{month_start(w.start, m):%Y%m}",
                        iv.subscription_id,
                        first,
                        first,
                        nxt,
                        iv.mrr,
                        paid_delay,
                        status_paid,
                    )
                )
            if rows:
                self._emit_invoices(c, rows, "subscription")

    def _emit_invoices(self, c: Customer, rows: list, invoice_type: str) -> None:
        """rows: (invoice_id, subscription_id, invoice_date, period_start, period_end, amount, paid_delay,
        paid).

        Each invoice is issued open and re-sent as paid when the payment lands (two versions).
        """
        issued = np.array([r[2] for r in rows], dtype=np.int64)
        paid_at = issued + np.array([r[6] for r in rows], dtype=np.int64)
        paid = np.array([r[7] for r in rows], dtype=bool)
        common = dict(
            invoice_id=np.array([r[0] for r in rows], dtype=object),
            account_id=c.account_id,
            subscription_id=np.array([r[1] for r in rows], dtype=object),
            invoice_type=invoice_type,
            invoice_date=issued,
            period_start=np.array([r[3] for r in rows], dtype=np.int64),
            period_end=np.array([r[4] for r in rows], dtype=np.int64),
            amount=np.array([f"{r[5]:.2f}" for r in rows], dtype=object),
            currency="USD",
        )
        self.w.out.add(
            "billing_invoices",
            issued,
            **common,
            status="open",
            paid_at=np.full(len(rows), NULL_TS),
            updated_at=issued,
        )
        self.w.out.add(
            "billing_invoices",
            paid_at[paid],
            **{k: _pick(v, paid) for k, v in common.items()},
            status="paid",
            paid_at=paid_at[paid],
            updated_at=paid_at[paid],
        )

    # ------------------------------------------------------------------ API traffic
    def index_intervals(self) -> None:
        flat = [(a, iv) for a, ivs in sorted(self.intervals.items()) for iv in ivs]
        self.iv_acct = np.array([a for a, _ in flat], dtype=np.int64)
        self.iv_start = np.array([iv.start_us for _, iv in flat], dtype=np.int64)
        self.iv_end = np.array([iv.end_us for _, iv in flat], dtype=np.int64)
        self.iv_plan = np.array([iv.plan for _, iv in flat], dtype=np.int64)
        self.iv_sub = np.array([iv.subscription_id for _, iv in flat], dtype=object)
        self.acct_region_idx = np.array([self.region_index[r] for r in self.w.acct_region], dtype=np.int64)
        self.acct_over_quota = np.zeros(len(self.w.acct_region), dtype=bool)
        for a, flag in self.over_quota.items():
            self.acct_over_quota[a] = flag
        self.acct_start = np.zeros(len(self.w.acct_region), dtype=np.int64)
        for a, c in self.customer_by_account.items():
            self.acct_start[a] = c.start_us

    def active_on(self, at_us: int) -> np.ndarray:
        """Interval indices active at ``at_us`` (at most one per account)."""
        return np.flatnonzero((self.iv_start <= at_us) & (self.iv_end > at_us))

    def active_accounts_on(self, at_us: int) -> list[tuple[int, int]]:
        return [(int(self.iv_acct[i]), int(i)) for i in self.active_on(at_us)]

    def build_events(self, lo_us: int, hi_us: int, emit_lo_us: int) -> dict[tuple[int, int], int]:
        """Generate API events for days in [lo_us, hi_us); rows from emit_lo_us on are emitted.

        Returns tokens per (account index, month index) for usage billing.
        """
        up, ip = self.p["usage"], self.p["incidents"]
        w = self.w
        tokens_by_month: dict[tuple[int, int], int] = {}
        endpoints = np.array(up["endpoints"])
        models = np.array(up["models"])
        day_us = max(lo_us, w.start_us)
        while day_us < hi_us:
            day_index = (day_us - w.start_us) // US_PER_DAY
            rng = w.rng("events", int(day_index))
            active = self.active_on(day_us)
            if len(active):
                acct = self.iv_acct[active]
                plan = self.iv_plan[active]
                age_years = (day_us - self.acct_start[acct]) / (365 * US_PER_DAY)
                weekday = us_to_date(day_us).weekday()
                recent = self.region_exposed(self.acct_region_idx[acct], day_us, 4)
                dip = np.where(recent & ~self.acct_over_quota[acct], 0.7, 1.0)
                lam = (
                    np.array(up["requests_per_day"])[plan]
                    * (1 + up["growth_per_year_of_age"] * np.maximum(age_years, 0))
                    * (0.45 if weekday >= 5 else 1.0)
                    * dip
                )
                counts = rng.poisson(lam)
                k = np.repeat(np.arange(len(acct)), counts)
                n = len(k)
                if n:
                    secs = np.clip(rng.normal(14 * 3600, 4.5 * 3600, n), 0, 86_399).astype(np.int64)
                    t = day_us + secs * 1_000_000 + rng.integers(0, 1_000_000, n)
                    order = np.argsort(t, kind="stable")
                    k, t = k[order], t[order]
                    a_idx = acct[k]
                    p_of = plan[k]
                    tokens = np.maximum(
                        1, rng.lognormal(np.log(np.array(up["tokens_median"])[p_of]), up["tokens_sigma"])
                    ).astype(np.int64)
                    latency = rng.lognormal(np.log(up["latency_median_ms"]), up["latency_sigma"], n)
                    status = np.full(n, 200, dtype=np.int64)
                    u = rng.random(n)
                    status[u < up["error_rate_4xx"]] = 400
                    status[u > 1 - up["error_rate_5xx"]] = 503
                    region_of = np.array(REGIONS)[self.acct_region_idx[a_idx]]
                    for start, end, sev, region, _ in self.incidents:
                        if end < day_us or start >= day_us + US_PER_DAY:
                            continue
                        hit = (t >= start) & (t < end)
                        if region is not None:
                            hit &= region_of == region
                        if hit.any():
                            latency[hit] *= ip["latency_multiplier"][sev]
                            err = hit & (rng.random(n) < ip["error_probability"][sev])
                            status[err] = np.where(rng.random(int(err.sum())) < 0.7, 503, 500)
                    throttled = self.acct_over_quota[a_idx] & (rng.random(n) < up["throttle_rate"])
                    status[throttled & (status == 200)] = 429
                    tokens = np.where(status == 200, tokens, 0)
                    month_idx = (
                        (us_to_date(day_us).year - w.start.year) * 12
                        + us_to_date(day_us).month
                        - w.start.month
                    )
                    sums = np.bincount(k, weights=tokens, minlength=len(acct))
                    for i in np.flatnonzero(sums):
                        key = (int(acct[i]), month_idx)
                        tokens_by_month[key] = tokens_by_month.get(key, 0) + int(sums[i])
                    if day_us >= emit_lo_us:
                        event_ids = day_index * 10_000_000 + np.arange(n) + 1
                        w.out.add(
                            "product_api_events",
                            t,
                            event_id=event_ids,
                            account_id=ids("A", a_idx + 1, 7),
                            event_at=t,
                            endpoint=endpoints[
                                rng.choice(len(endpoints), n, p=up["endpoint_weights"])
                            ].astype(object),
                            model=models[rng.integers(0, len(models), n)].astype(object),
                            tokens=tokens,
                            latency_ms=np.round(latency).astype(np.int64),
                            status_code=status,
                            region=np.array([SERVING_REGION[r] for r in REGIONS])[
                                self.acct_region_idx[a_idx]
                            ].astype(object),
                        )
            day_us += US_PER_DAY
        return tokens_by_month

    def build_usage_charges(self, tokens_by_month: dict[tuple[int, int], int]) -> None:
        """Usage billed on the 1st of the next month: tokens above the plan's monthly allowance."""
        pl = self.p["plans"]
        w = self.w
        for (account_idx, m), used in sorted(tokens_by_month.items()):
            first = to_us(month_start(w.start, m))
            nxt = to_us(month_start(w.start, m + 1))
            iv = next(
                (iv for iv in self.intervals[account_idx] if iv.start_us <= nxt - 1 and iv.end_us > first),
                self.intervals[account_idx][-1],
            )
            included = pl["included_tokens_monthly"][iv.plan]
            price = pl["overage_price_per_1k"][iv.plan]
            amount = round(max(0, used - included) / 1000 * price, 2)
            c = self.customer_by_account[account_idx]
            w.out.add(
                "billing_usage_charges",
                [nxt],
                usage_charge_id=[f"UC-{c.account_id}-{month_start(w.start, m):%Y%m}"],
                account_id=[c.account_id],
                subscription_id=[iv.subscription_id],
                usage_month=[first],
                tokens_used=[used],
                tokens_included=[included],
                unit_price_per_1k=[price],
                amount=[amount],
            )
            if amount > 0:
                self._emit_invoices(
                    c,
                    [
                        (
                            f"INVU-{c.account_id}-{month_start(w.start, m):%Y%m}",
                            iv.subscription_id,
                            nxt,
                            first,
                            nxt,
                            amount,
                            int(3 * US_PER_DAY),
                            True,
                        )
                    ],
                    "usage",
                )

    # ------------------------------------------------------------------ support
    def build_support(self) -> None:
        """Tickets week by week (base rate, throttling, incident fallout), then CSAT after resolution."""
        w, sp = self.w, self.p["support"]
        n_weeks = int((w.end_us - w.start_us) // US_PER_WEEK) + 1
        for week in range(n_weeks):
            rng = w.rng("tickets", week)
            lo = w.start_us + week * US_PER_WEEK
            active = self.active_on(lo)
            if not len(active):
                continue
            acct = self.iv_acct[active]
            throttled = self.acct_over_quota[acct]
            base = rng.poisson(sp["tickets_per_account_week"] * np.where(throttled, 1.8, 1.0))
            rows = []
            for i in np.flatnonzero(base):
                weights = [0.25, 0.2, 0.3, 0.15, 0.1] if throttled[i] else [0.3, 0.25, 0.35, 0.1, 0.0]
                for _ in range(base[i]):
                    cat = str(
                        rng.choice(["billing", "onboarding", "how-to", "error", "throttling"], p=weights)
                    )
                    rows.append((lo + int(rng.integers(0, 7 * 86_400)) * 1_000_000, int(acct[i]), cat, None))
            for number, (start, _end, sev, region, _) in enumerate(self.incidents, start=1):
                if not (lo <= start < lo + US_PER_WEEK):
                    continue
                hit = acct if region is None else acct[self.acct_region_idx[acct] == REGIONS.index(region)]
                for a in hit[rng.random(len(hit)) < sp["incident_ticket_probability"][sev]]:
                    rows.append(
                        (
                            start + int(rng.uniform(5, 360) * US_PER_MINUTE),
                            int(a),
                            "error" if sev == 0 else "latency",
                            f"INC{number:05d}",
                        )
                    )
            if rows:
                self._emit_tickets(rng, week, rows)
        self._nps()

    def _emit_tickets(self, rng, week: int, rows: list) -> None:
        w = self.w
        n = len(rows)
        created = np.array([r[0] for r in rows], dtype=np.int64)
        acct = np.array([r[1] for r in rows], dtype=np.int64)
        cat = np.array([r[2] for r in rows], dtype=object)
        incident = np.array([r[3] for r in rows], dtype=object)
        from_incident = np.array([r[3] is not None for r in rows])
        priority = np.where(
            from_incident, "urgent", rng.choice(np.array(["low", "normal", "high"]), n, p=[0.3, 0.55, 0.15])
        ).astype(object)
        median_h = np.where(priority == "urgent", 6.0, np.where(priority == "high", 14.0, 30.0))
        res_hours = rng.lognormal(np.log(median_h), 0.8)
        resolved = created + (res_hours * US_PER_HOUR).astype(np.int64)
        ticket_ids = ids(f"T{week:04d}-", np.arange(1, n + 1), 5)
        contact = np.array(
            [(self.customer_by_account[a].contact_ids or [None])[0] for a in acct], dtype=object
        )
        common = dict(
            ticket_id=ticket_ids,
            account_id=ids("A", acct + 1, 7),
            contact_id=contact,
            incident_id=incident,
            category=cat,
            priority=priority,
            created_at=created,
        )
        w.out.add("support_tickets", created, **common, resolved_at=np.full(n, NULL_TS), updated_at=created)
        w.out.add("support_tickets", resolved, **common, resolved_at=resolved, updated_at=resolved)
        # CSAT after resolution: lower after incidents, under throttling and for slow resolutions.
        answered = rng.random(n) < self.p["support"]["csat_response_rate"]
        exposed = self.region_exposed(self.acct_region_idx[acct], created, 12) | self.acct_over_quota[acct]
        mean = 4.45 - 0.9 * from_incident - 0.5 * exposed - 0.35 * np.log1p(res_hours / 24)
        score = np.clip(np.round(rng.normal(mean, 0.7)), 1, 5).astype(np.int64)
        at = resolved + (rng.uniform(1, 48, n) * US_PER_HOUR).astype(np.int64)
        k = np.flatnonzero(answered)
        w.out.add(
            "support_survey_responses",
            at[k],
            response_id=np.char.add("CSAT-", ticket_ids[k].astype(str)).astype(object),
            account_id=ids("A", acct[k] + 1, 7),
            contact_id=contact[k],
            ticket_id=ticket_ids[k],
            survey_type="CSAT",
            score=score[k],
            responded_at=at[k],
        )

    def _nps(self) -> None:
        w = self.w
        rows = []
        for m in range(2, w.n_months, 3):  # quarterly relationship survey
            rng = w.rng("surveys", m)
            at_base = to_us(month_start(w.start, m)) + 14 * US_PER_DAY
            for a, _i in self.active_accounts_on(at_base):
                if rng.random() >= self.p["support"]["nps_quarterly_response_rate"]:
                    continue
                exposed = self.exposed(a, at_base, weeks=13)
                mean = (
                    8.3
                    - (2.4 if exposed and not self.over_quota[a] else 0)
                    - (1.6 if self.over_quota[a] else 0)
                )
                score = int(np.clip(round(rng.normal(mean, 1.6)), 0, 10))
                at = at_base + int(rng.uniform(0, 10) * US_PER_DAY)
                c = self.customer_by_account[a]
                rows.append((at, c.account_id, (c.contact_ids or [None])[0], score))
        if not rows:
            return
        rows.sort()
        n = len(rows)
        at = np.array([r[0] for r in rows], dtype=np.int64)
        w.out.add(
            "support_survey_responses",
            at,
            response_id=ids("NPS", np.arange(1, n + 1), 8),
            account_id=[r[1] for r in rows],
            contact_id=[r[2] for r in rows],
            ticket_id=None,
            survey_type="NPS",
            score=[r[3] for r in rows],
            responded_at=at,
        )


def add_months(us: int, months: int) -> int:
    d = us_to_date(us)
    index = d.year * 12 + d.month - 1 + months
    year, month = index // 12, index % 12 + 1
    day = min(
        d.day,
        [
            31,
            29 if year % 4 == 0 and (year % 100 or year % 400 == 0) else 28,
            31,
            30,
            31,
            30,
            31,
            31,
            30,
            31,
            30,
            31,
        ][month - 1],
    )
    from datetime import date as _date

    return to_us(_date(year, month, day)) + (us % US_PER_DAY)


def _pick(value, mask):
    if isinstance(value, np.ndarray):
        return value[mask]
    if isinstance(value, list):
        return [v for v, keep in zip(value, mask.tolist(), strict=True) if keep]
    return value
