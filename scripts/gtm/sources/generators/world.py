"""One coherent B2B SaaS company selling an API platform, simulated month by month.

Everything an entity will ever do is drawn when it is created, from a stream seeded by (seed, purpose,
creation month); each change becomes a row version stamped with the moment it happens. The world
therefore depends only on (seed, scale, history start, profile): the as-of date merely decides which
versions are visible, so a daily increment is the exact continuation of the history already loaded.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import numpy as np
from faker import Faker

from gtm.sources.generators.config import GeneratorConfig
from gtm.sources.generators.frames import (
    NULL_TS,
    US_PER_DAY,
    US_PER_HOUR,
    US_PER_MINUTE,
    FrameParts,
    fmt_date_text,
    fmt_ts_text,
    ids,
    month_start,
    months_between,
    rng_for,
    to_us,
    us_to_date,
)

EMPLOYEES = {
    "Enterprise": (5000, 60000),
    "Mid Market": (1000, 4999),
    "Commercial": (200, 999),
    "SMB": (10, 199),
}
BANDS = {"Enterprise": "5000+", "Mid Market": "1000-4999", "Commercial": "200-999", "SMB": "1-199"}
COUNTRIES = {
    "North America": ["US", "US", "US", "CA"],
    "EMEA": ["GB", "DE", "FR", "NL", "SE"],
    "APAC": ["AU", "SG", "JP", "IN"],
    "LATAM": ["BR", "MX", "AR", "CL"],
}
TITLES = np.array(
    [
        "VP Engineering",
        "CTO",
        "Head of Data",
        "Engineering Manager",
        "Staff Engineer",
        "Product Manager",
        "Director of Platform",
        "ML Engineer",
        "CEO",
        "Head of Product",
    ]
)
DM_TITLES = {"VP Engineering", "CTO", "CEO", "Director of Platform", "Head of Product", "Head of Data"}
FORECAST = ["Pipeline", "Pipeline", "Best Case", "Best Case", "Commit"]
MARKETING_CHANNELS = np.array(["Website", "Paid Search", "Webinar", "Event", "Paid Social", "Email"])
MARKETING_WEIGHTS = np.array([0.34, 0.22, 0.12, 0.07, 0.13, 0.12])
# Buffered row layouts: each tuple is (version time, *columns in this order).
OPPORTUNITY_COLUMNS = (
    ("updated_at", "version"),
    ("opportunity_id", "text"),
    ("account_id", "text"),
    ("lead_id", "text"),
    ("owner_user_id", "text"),
    ("opportunity_type", "text"),
    ("stage", "text"),
    ("amount", "text"),
    ("probability", "float"),
    ("forecast_category", "text"),
    ("close_date", "date_text"),
    ("demo_set_at", "ts_text"),
    ("demo_held_at", "ts_text"),
    ("lost_reason", "text"),
    ("plan", "text"),
    ("term_months", "int"),
    ("created_at", "int"),
)
STAGE_HISTORY_COLUMNS = (
    ("entered_at", "version"),
    ("stage_history_id", "text"),
    ("opportunity_id", "text"),
    ("stage", "text"),
    ("amount", "float"),
    ("probability", "float"),
    ("changed_by_user_id", "text"),
)
DEAL_ACTIVITY_COLUMNS = (
    ("occurred_at", "version"),
    ("activity_id", "text"),
    ("activity_type", "text"),
    ("outcome", "text"),
    ("user_id", "text"),
    ("lead_id", "text"),
    ("contact_id", "text"),
    ("opportunity_id", "text"),
    ("account_id", "text"),
    ("duration_minutes", "int"),
)
CAMPAIGN_KINDS = ("Always-on", "Launch", "Retargeting")
INTERACTIONS = {
    "Website": "visit",
    "Paid Search": "click",
    "Webinar": "attendance",
    "Event": "attendance",
    "Paid Social": "click",
    "Email": "open",
}


@dataclass
class Customer:
    """A won account: what the billing, product and support simulations need to know."""

    account_idx: int
    account_id: str
    segment: str
    region: str
    plan: int
    term_months: int
    mrr: float
    start_us: int
    opportunity_id: str
    owner_user_id: str
    contact_ids: list[str] = field(default_factory=list)


class World:
    def __init__(self, cfg: GeneratorConfig, profile: dict, until: date) -> None:
        self.cfg = cfg
        self.p = profile
        self.seed = cfg.seed
        self.scale = cfg.scale
        self.start = cfg.history_start
        self.start_us = to_us(self.start)
        self.until = until
        self.n_months = months_between(self.start, until) + 1
        self.end_us = to_us(month_start(until, 1))  # simulate whole months
        self.out = FrameParts()
        self.customers: list[Customer] = []
        faker = Faker("en_US")
        faker.seed_instance(self.seed)
        self.first_names = np.array([faker.first_name() for _ in range(400)])
        self.last_names = np.array([faker.last_name() for _ in range(600)])
        self.company_words = np.array(sorted({faker.company().split(" ")[0].strip(",") for _ in range(900)}))
        self.company_suffixes = np.array(
            [
                "Labs",
                "Systems",
                "Cloud",
                "Analytics",
                "Health",
                "Logistics",
                "AI",
                "Networks",
                "Digital",
                "Works",
                "Financial",
                "Media",
            ]
        )
        # Account registry (grows as leads arrive); arrays are materialised at the end.
        self.acct_segment: list[str] = []
        self.acct_region: list[str] = []
        self.acct_owner: list[str] = []
        self.acct_created: list[int] = []
        self.acct_contacts: list[list[str]] = []
        self.contact_seq = 0
        self.opportunity_seq = 0
        # Opportunity versions, stage history and deal activities are buffered as tuples and turned into
        # columns once: per-opportunity numpy calls dominated the run time.
        # Per account: (name, employees, country, industry), re-sent with every later account version.
        self._account_static: dict[int, tuple] = {}
        self._opp_buf: list[tuple] = []
        self._hist_buf: list[tuple] = []
        self._act_buf: list[tuple] = []

    # ------------------------------------------------------------------ helpers
    def rng(self, stream: str, *keys: int) -> np.random.Generator:
        return rng_for(self.seed, stream, *keys)

    def scaled(self, n: float) -> int:
        return max(1, round(n * self.scale))

    def month_volume_factor(self, m: int) -> float:
        """Growth and seasonality, normalised so the first ``cfg.months`` months average 1.0."""
        c = self.p["company"]

        def raw(k: int) -> float:
            growth = 1.0 + (c["growth_over_history"] - 1.0) * k / max(self.cfg.months - 1, 1)
            return growth * c["seasonality"][month_start(self.start, k).month - 1]

        if not hasattr(self, "_volume_mean"):
            self._volume_mean = sum(raw(k) for k in range(self.cfg.months)) / self.cfg.months
        return raw(m) / self._volume_mean

    def day_weights(self, month_first: date) -> tuple[np.ndarray, int]:
        n_days = (month_start(month_first, 1) - month_first).days
        weekday = (np.arange(n_days) + month_first.weekday()) % 7
        w = np.where(weekday >= 5, self.p["company"]["weekend_factor"], 1.0)
        return w / w.sum(), n_days

    # ------------------------------------------------------------------ users
    def build_users(self) -> None:
        t = self.p["teams"]
        rng = self.rng("users", 0)
        roster = (
            [("Manager", "Sales Leadership", None)] * max(2, self.scaled(t["managers"]))
            + [("BDR", "Inbound Sales", "Inbound")] * self.scaled(t["inbound_bdr"])
            + [("BDR", "Outbound Sales", "Outbound")] * self.scaled(t["outbound_bdr"])
            + [("AE", "Inbound Sales", "Inbound")] * self.scaled(t["inbound_ae"])
            + [("AE", "Outbound Sales", "Outbound")] * self.scaled(t["outbound_ae"])
            + [("CSM", "Customer Success", None)] * self.scaled(t["csm"])
        )
        n = len(roster)
        user_ids = ids("U", np.arange(1, n + 1), 4)
        first = self.first_names[rng.integers(0, len(self.first_names), n)]
        last = self.last_names[rng.integers(0, len(self.last_names), n)]
        hired = self.start_us - rng.integers(30, 3 * 365, n) * US_PER_DAY
        managers = [uid for uid, (role, _, _) in zip(user_ids, roster, strict=True) if role == "Manager"]
        manager_of = []
        for role, _team, channel in roster:
            if role == "Manager":
                manager_of.append(None)
            else:
                manager_of.append(managers[0] if channel != "Outbound" else managers[1])
        self.users = {
            "ids": user_ids,
            "role": np.array([r[0] for r in roster]),
            "team": np.array([r[1] for r in roster]),
            "channel": np.array([r[2] or "" for r in roster], dtype=object),
            "hired": hired,
        }
        emails = [
            f"{f.lower()}.{lname.lower()}@apiforge.example" for f, lname in zip(first, last, strict=True)
        ]
        self.out.add(
            "crm_users",
            np.full(n, self.start_us - US_PER_DAY),
            user_id=user_ids,
            full_name=np.char.add(np.char.add(first, " "), last).astype(object),
            email=np.array(emails, dtype=object),
            role=self.users["role"].astype(object),
            team=self.users["team"].astype(object),
            channel=np.where(self.users["channel"] == "", None, self.users["channel"]),
            manager_user_id=np.array(manager_of, dtype=object),
            hired_on=hired,
            is_active=True,
            updated_at=np.full(n, self.start_us - US_PER_DAY),
        )

    def team(self, role: str, channel: str | None) -> np.ndarray:
        mask = self.users["role"] == role
        if channel:
            mask &= self.users["channel"] == channel
        return self.users["ids"][mask]

    # ------------------------------------------------------------------ accounts and contacts
    def new_accounts(
        self, rng: np.random.Generator, created_us: np.ndarray, owners: np.ndarray
    ) -> np.ndarray:
        """Register len(created_us) new prospect accounts; returns their indices."""
        a = self.p["accounts"]
        n = len(created_us)
        first_idx = len(self.acct_segment)
        idx = np.arange(first_idx, first_idx + n)
        segment = rng.choice(a["segments"], n, p=a["segment_weights"])
        region = rng.choice(a["regions"], n, p=a["region_weights"])
        self.acct_segment += segment.tolist()
        self.acct_region += region.tolist()
        self.acct_owner += owners.tolist()
        self.acct_created += created_us.tolist()
        self.acct_contacts += [[] for _ in range(n)]
        self._emit_accounts(rng, idx, segment, region, created_us, owners, "Prospect")
        return idx

    def _emit_accounts(self, rng, idx, segment, region, created_us, owners, account_type) -> None:
        n = len(idx)
        words = self.company_words[rng.integers(0, len(self.company_words), n)]
        suffix = self.company_suffixes[rng.integers(0, len(self.company_suffixes), n)]
        names = np.char.add(np.char.add(np.char.add(words, " "), suffix), np.char.add(" #", idx.astype(str)))
        employees = np.array([rng.integers(*EMPLOYEES[s]) for s in segment])
        industry = rng.choice(self.p["accounts"]["industries"], n)
        countries = np.array([COUNTRIES[r][rng.integers(0, len(COUNTRIES[r]))] for r in region], dtype=object)
        self.out.add(
            "crm_accounts",
            created_us,
            account_id=ids("A", idx + 1, 7),
            account_name=names.astype(object),
            industry=industry.astype(object),
            segment=segment.astype(object),
            employee_count=employees,
            employee_band=np.array([BANDS[s] for s in segment], dtype=object),
            region=region.astype(object),
            country=countries,
            owner_user_id=owners.astype(object),
            account_type=account_type,
            created_at=created_us,
            updated_at=created_us,
        )
        for i, name, emp, country, ind in zip(
            idx.tolist(),
            names.tolist(),
            employees.tolist(),
            countries.tolist(),
            industry.tolist(),
            strict=True,
        ):
            self._account_static[i] = (name, emp, country, ind)

    def account_version(self, idx: int, at_us: int, account_type: str, owner: str):
        """A later version of an account (type or owner change), re-sending its static fields."""
        name, emp, country, industry = self._account_static[idx]
        seg, reg = self.acct_segment[idx], self.acct_region[idx]
        self.out.add(
            "crm_accounts",
            [at_us],
            account_id=[f"A{idx + 1:07d}"],
            account_name=[name],
            industry=[industry],
            segment=[seg],
            employee_count=[emp],
            employee_band=[BANDS[seg]],
            region=[reg],
            country=[country],
            owner_user_id=[owner],
            account_type=[account_type],
            created_at=[self.acct_created[idx]],
            updated_at=[at_us],
        )

    def new_contacts(
        self, rng, account_idx: np.ndarray, created_us: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Register contacts at the given accounts; returns their ids and emails."""
        n = len(account_idx)
        numbers = np.arange(self.contact_seq + 1, self.contact_seq + n + 1)
        self.contact_seq += n
        contact_ids = ids("C", numbers, 8)
        first = self.first_names[rng.integers(0, len(self.first_names), n)]
        last = self.last_names[rng.integers(0, len(self.last_names), n)]
        titles = TITLES[rng.integers(0, len(TITLES), n)]
        is_dm = np.array([t in DM_TITLES for t in titles]) & (rng.random(n) < 0.7)
        domains = np.char.add(np.char.add("acct", (account_idx + 1).astype(str)), ".example.com")
        emails = np.char.add(
            np.char.add(np.char.add(np.char.lower(first), "."), np.char.lower(last)),
            np.char.add(np.char.add(numbers.astype(str), "@"), domains),
        )
        phones = np.char.add("+1-555-", np.char.zfill(rng.integers(0, 10_000_000, n).astype(str), 7))
        self.out.add(
            "crm_contacts",
            created_us,
            contact_id=contact_ids,
            account_id=ids("A", account_idx + 1, 7),
            first_name=first.astype(object),
            last_name=last.astype(object),
            title=titles.astype(object),
            is_decision_maker=is_dm,
            email=emails.astype(object),
            phone=phones.astype(object),
            created_at=created_us,
            updated_at=created_us,
        )
        for a, c in zip(account_idx.tolist(), contact_ids.tolist(), strict=True):
            self.acct_contacts[a].append(c)
        return contact_ids, emails.astype(object)

    # ------------------------------------------------------------------ leads
    def build_leads(self) -> None:
        for m in range(self.n_months):
            self._leads_for_month(m)

    def _leads_for_month(self, m: int) -> None:
        lp = self.p["leads"]
        rng = self.rng("leads", m)
        first_day = month_start(self.start, m)
        weights, n_days = self.day_weights(first_day)
        n = max(1, round(lp["per_month"] * self.scale * self.month_volume_factor(m)))
        day = rng.choice(n_days, n, p=weights)
        seconds = np.clip(rng.normal(13.5 * 3600, 3.2 * 3600, n), 0, 86_399).astype(np.int64)
        created = to_us(first_day) + day * US_PER_DAY + seconds * 1_000_000
        created.sort()
        inbound = rng.random(n) < lp["inbound_share"]
        channel = np.where(inbound, "Inbound", "Outbound")
        source = np.where(
            inbound,
            rng.choice(lp["inbound_sources"], n, p=lp["inbound_source_weights"]),
            rng.choice(lp["outbound_sources"], n, p=lp["outbound_source_weights"]),
        )
        statuses = np.array(lp["statuses"])
        final = np.where(
            inbound,
            rng.choice(statuses, n, p=lp["inbound_status_weights"]),
            rng.choice(statuses, n, p=lp["outbound_status_weights"]),
        )
        bdr_in, bdr_out = self.team("BDR", "Inbound"), self.team("BDR", "Outbound")
        owner = np.where(
            inbound, bdr_in[rng.integers(0, len(bdr_in), n)], bdr_out[rng.integers(0, len(bdr_out), n)]
        )
        ae_in, ae_out = self.team("AE", "Inbound"), self.team("AE", "Outbound")
        ae = np.where(inbound, ae_in[rng.integers(0, len(ae_in), n)], ae_out[rng.integers(0, len(ae_out), n)])

        # Accounts: most leads bring a new company, some are a second person at a known one.
        existing = (rng.random(n) < lp["existing_account_share"]) & (len(self.acct_segment) > 0)
        account_idx = np.empty(n, dtype=np.int64)
        if existing.any():
            account_idx[existing] = rng.integers(0, len(self.acct_segment), int(existing.sum()))
        new = ~existing
        account_idx[new] = self.new_accounts(
            rng, created[new] - rng.integers(1, 3600, int(new.sum())) * 1_000_000, ae[new]
        )
        # The lead's email is its contact's, kept consistent across tables.
        contact_ids, lead_emails = self.new_contacts(rng, account_idx, created)
        segments = np.array([self.acct_segment[i] for i in account_idx])

        # Speed to lead and touches.
        hours = rng.lognormal(
            np.log(lp["inbound_first_touch_median_hours"]), lp["inbound_first_touch_sigma"], n
        )
        fast = rng.random(n) < lp["inbound_within_5_minutes_share"]
        inbound_lag = np.where(fast, rng.uniform(0.5, 5, n) * US_PER_MINUTE, hours * US_PER_HOUR)
        outbound_lag = rng.uniform(1, 45, n) * US_PER_MINUTE
        lag = np.where(inbound, inbound_lag, outbound_lag).astype(np.int64)
        form_submitted = np.where(inbound, created - rng.integers(20, 400, n) * 1_000_000, NULL_TS)
        untouched = final == "New"
        first_touch = np.where(untouched, NULL_TS, created + lag)
        final_delay = (
            rng.lognormal(np.log(self.p["leads"]["days_to_final_status_median"]), 0.8, n) * US_PER_DAY
        ).astype(np.int64)
        working_tail = (rng.uniform(0, 75, n) * US_PER_DAY).astype(np.int64)
        final_at = np.where(
            untouched, NULL_TS, first_touch + np.where(final == "Working", working_tail, final_delay)
        )
        call_rate = {
            "Working": 3.0,
            "Converted": 4.0,
            "Demo Set": 4.0,
            "Sales Nurture": 3.0,
            "Not Interested": 2.5,
            "Disqualified": 2.0,
            "Incorrect Contact Data": 1.2,
            "New": 0.0,
        }
        lam = np.array([call_rate[s] for s in final])
        calls = np.where(untouched, 0, rng.poisson(lam))
        emails = np.where(untouched, 0, rng.poisson(lam * 0.7))
        texts = np.where(untouched, 0, rng.poisson(np.where(inbound, 0.9, 0.3)))
        total = calls + emails + texts
        # The first touch is one of the touches: make sure touched leads have at least one.
        first_method = rng.choice(np.array(["call", "email", "text"]), n, p=[0.55, 0.35, 0.10])
        calls = np.where(~untouched & (total == 0) & (first_method == "call"), 1, calls)
        emails = np.where(~untouched & (total == 0) & (first_method == "email"), 1, emails)
        texts = np.where(~untouched & (total == 0) & (first_method == "text"), 1, texts)
        first_method = np.where(
            calls > 0,
            np.where((first_method == "email") & (emails > 0), "email", "call"),
            np.where(emails > 0, "email", "text"),
        )
        dm_rate = {"Converted": 0.8, "Demo Set": 0.65, "Sales Nurture": 0.3, "Working": 0.15}
        dm = rng.random(n) < np.array([dm_rate.get(s, 0.2) for s in final])
        plan_price = np.array([self._segment_price(s) for s in segments])
        predicted = np.round(
            plan_price * 1.3 * rng.lognormal(0, self.p["leads"]["predicted_value_sigma"], n), 2
        )

        lead_numbers = np.arange(n) + m * 1_000_000 + 1
        lead_ids = ids("L", lead_numbers, 9)

        # Opportunities for converted leads (created when the lead converts).
        converted = final == "Converted"
        opp_ids = np.full(n, None, dtype=object)
        if converted.any():
            opp_ids[converted] = self._new_business(
                rng=self.rng("opportunities", m),
                created=final_at[converted],
                account_idx=account_idx[converted],
                lead_ids=lead_ids[converted],
                owner=ae[converted],
                channel=channel[converted],
                segments=segments[converted],
                contact_ids=contact_ids[converted],
            )

        # Version 1: created (New). Version 2: first touch (Working). Version 3: final state.
        base = dict(
            lead_id=lead_ids,
            contact_id=contact_ids,
            account_id=ids("A", account_idx + 1, 7),
            owner_user_id=owner.astype(object),
            email=lead_emails,
            lead_source=source.astype(object),
            form_submitted_at=fmt_ts_text(form_submitted),
            predicted_value=np.char.mod("%.2f", predicted).astype(object),
            created_at=created,
        )
        self.out.add(
            "crm_leads",
            created,
            **base,
            status="New",
            call_count=0,
            text_count=0,
            email_count=0,
            touch_channels=None,
            is_decision_maker_connected=False,
            updated_at=created,
        )
        touched = ~untouched
        t_first = first_touch[touched]
        fm = first_method[touched]
        v2 = {k: v[touched] for k, v in base.items()}
        self.out.add(
            "crm_leads",
            t_first,
            **v2,
            status="Working",
            first_call_at=fmt_ts_text(np.where(fm == "call", t_first, NULL_TS)),
            first_text_at=fmt_ts_text(np.where(fm == "text", t_first, NULL_TS)),
            first_email_at=fmt_ts_text(np.where(fm == "email", t_first, NULL_TS)),
            last_activity_at=fmt_ts_text(t_first),
            call_count=(fm == "call").astype(int),
            text_count=(fm == "text").astype(int),
            email_count=(fm == "email").astype(int),
            touch_channels=fm.astype(object),
            is_decision_maker_connected=False,
            updated_at=t_first,
        )
        # Touch times between first touch and final/last activity.
        span = np.maximum(final_at - first_touch, US_PER_HOUR)
        firsts = {}
        for method, counts in (("call", calls), ("text", texts), ("email", emails)):
            first_of = np.where(
                counts > 0,
                np.where(
                    first_method == method,
                    first_touch,
                    first_touch + (rng.uniform(0.05, 0.5, n) * span).astype(np.int64),
                ),
                NULL_TS,
            )
            firsts[method] = first_of
        channels_used = np.array(
            [
                ",".join(x for x, c in (("call", a), ("email", b), ("text", c2)) if c > 0)
                for a, b, c2 in zip(calls.tolist(), emails.tolist(), texts.tolist(), strict=True)
            ],
            dtype=object,
        )
        v3 = {k: v[touched] for k, v in base.items()}
        self.out.add(
            "crm_leads",
            final_at[touched],
            **v3,
            status=final[touched].astype(object),
            first_call_at=fmt_ts_text(firsts["call"][touched]),
            first_text_at=fmt_ts_text(firsts["text"][touched]),
            first_email_at=fmt_ts_text(firsts["email"][touched]),
            last_activity_at=fmt_ts_text(final_at[touched]),
            call_count=calls[touched],
            text_count=texts[touched],
            email_count=emails[touched],
            touch_channels=channels_used[touched],
            is_decision_maker_connected=dm[touched],
            converted_opportunity_id=opp_ids[touched],
            updated_at=final_at[touched],
        )
        self._lead_activities(
            rng,
            lead_ids,
            contact_ids,
            account_idx,
            owner,
            inbound,
            first_touch,
            final_at,
            calls,
            emails,
            texts,
            first_method,
        )
        self._marketing_touches(rng, contact_ids, inbound, source, form_submitted, created)

    def _segment_price(self, segment: str) -> float:
        pl = self.p["plans"]
        return float(np.dot(pl["mix"][segment], pl["list_mrr"]))

    def _lead_activities(
        self,
        rng,
        lead_ids,
        contact_ids,
        account_idx,
        owner,
        inbound,
        first_touch,
        final_at,
        calls,
        emails,
        texts,
        first_method,
    ) -> None:
        methods, counts = [], []
        for method, c in (("call", calls), ("email", emails), ("text", texts)):
            methods.append(method)
            counts.append(c)
        rows_lead, rows_method, rows_time = [], [], []
        for method, c in zip(methods, counts, strict=True):
            k = np.repeat(np.arange(len(lead_ids)), c)
            if len(k) == 0:
                continue
            span = np.maximum(final_at[k] - first_touch[k], US_PER_HOUR)
            t = first_touch[k] + (rng.random(len(k)) * span).astype(np.int64)
            # The first touch itself lands exactly at first_touch.
            is_first = np.r_[True, k[1:] != k[:-1]] & (first_method[k] == method)
            t = np.where(is_first, first_touch[k], t)
            rows_lead.append(k)
            rows_method.append(np.full(len(k), method))
            rows_time.append(t)
        if not rows_lead:
            return
        k = np.concatenate(rows_lead)
        method = np.concatenate(rows_method)
        t = np.concatenate(rows_time)
        n = len(k)
        outcome = np.where(
            method == "call",
            rng.choice(np.array(["Connected", "No Answer", "Left Voicemail"]), n, p=[0.3, 0.45, 0.25]),
            np.where(
                method == "email",
                rng.choice(np.array(["Sent", "Replied"]), n, p=[0.85, 0.15]),
                rng.choice(np.array(["Sent", "Replied"]), n, p=[0.8, 0.2]),
            ),
        )
        base_no = int(lead_ids[0][1:]) * 100 if n else 0
        act_ids = ids("ACT", base_no + np.arange(n), 12)
        self.out.add(
            "crm_activities",
            t,
            activity_id=act_ids,
            activity_type=method.astype(object),
            outcome=outcome.astype(object),
            user_id=owner[k].astype(object),
            lead_id=lead_ids[k],
            contact_id=contact_ids[k],
            opportunity_id=None,
            account_id=ids("A", account_idx[k] + 1, 7),
            occurred_at=t,
            duration_minutes=np.where(method == "call", rng.integers(1, 25, n), None).astype(object),
        )
        outbound = ~inbound[k]
        if outbound.any():
            ko = k[outbound]
            self.out.add(
                "sales_touches",
                t[outbound],
                touch_id=ids("ST", base_no + np.arange(n)[outbound], 12),
                contact_id=contact_ids[ko],
                user_id=owner[ko].astype(object),
                channel="Outbound",
                method=method[outbound].astype(object),
                touched_at=t[outbound],
            )

    def _marketing_touches(self, rng, contact_ids, inbound, source, form_submitted, created) -> None:
        n = len(contact_ids)
        before = rng.poisson(np.where(inbound, 2.2, 0.5))
        after = rng.poisson(np.where(inbound, 1.0, 0.7))
        k_before = np.repeat(np.arange(n), before)
        k_after = np.repeat(np.arange(n), after)
        anchor = np.where(inbound, form_submitted, created)
        t_before = anchor[k_before] - (rng.uniform(0.02, 120, len(k_before)) * US_PER_DAY).astype(np.int64)
        t_after = anchor[k_after] + (rng.uniform(0.5, 90, len(k_after)) * US_PER_DAY).astype(np.int64)
        ch_before = rng.choice(MARKETING_CHANNELS, len(k_before), p=MARKETING_WEIGHTS)
        ch_after = rng.choice(MARKETING_CHANNELS, len(k_after), p=MARKETING_WEIGHTS)
        form_k = np.flatnonzero(inbound)
        k = np.concatenate([k_before, form_k, k_after])
        t = np.concatenate([t_before, form_submitted[form_k], t_after])
        ch = np.concatenate([ch_before, source[form_k], ch_after])
        interaction = np.array([INTERACTIONS.get(c, "visit") for c in ch], dtype=object)
        interaction[len(k_before) : len(k_before) + len(form_k)] = np.where(
            np.isin(source[form_k], ["Webinar"]), "registration", "form_fill"
        )
        campaign = np.char.add(
            np.char.add("CMP-", np.char.replace(np.char.lower(ch.astype(str)), " ", "-")),
            np.char.add(
                "-", (rng.integers(1, self.p["spend"]["campaigns_per_channel"] + 1, len(k))).astype(str)
            ),
        )
        first_no = int(contact_ids[0][1:]) * 10 if n else 0
        self.out.add(
            "marketing_touches",
            t,
            touch_id=ids("MT", first_no + np.arange(len(k)), 12),
            contact_id=contact_ids[k],
            channel=ch.astype(object),
            campaign_id=campaign.astype(object),
            interaction=interaction,
            touched_at=t,
        )

    # ------------------------------------------------------------------ opportunities
    def _plan_terms(self, rng, segments: np.ndarray):
        pl = self.p["plans"]
        plan = np.array([rng.choice(len(pl["names"]), p=pl["mix"][s]) for s in segments])
        term = np.array([rng.choice(pl["terms"], p=pl["term_weights"][s]) for s in segments])
        mrr = np.round(np.array(pl["list_mrr"])[plan] * rng.lognormal(0, pl["price_sigma"], len(segments)), 2)
        return plan, term, mrr

    def _new_business(self, rng, created, account_idx, lead_ids, owner, channel, segments, contact_ids):
        op = self.p["opportunities"]
        n = len(created)
        numbers = np.arange(self.opportunity_seq + 1, self.opportunity_seq + n + 1)
        self.opportunity_seq += n
        opp_ids = ids("O", numbers, 8)
        plan, term, mrr = self._plan_terms(rng, segments)
        win_rate = np.where(channel == "Inbound", op["inbound_win_rate"], op["outbound_win_rate"])
        won = rng.random(n) < win_rate
        reason = rng.choice(
            len(op["lost_reasons"]),
            n,
            p=np.array(op["lost_reason_weights"]) / np.sum(op["lost_reason_weights"]),
        )
        last_stage = np.where(won, len(op["stages"]) - 1, np.array(op["lost_reason_stage"])[reason])
        factor = np.array([op["segment_cycle_factor"][s] for s in segments])
        for i in range(n):
            self._opportunity_path(
                rng,
                opp_ids[i],
                created[i],
                int(account_idx[i]),
                lead_ids[i],
                owner[i],
                str(segments[i]),
                int(plan[i]),
                int(term[i]),
                float(mrr[i]),
                bool(won[i]),
                int(reason[i]),
                int(last_stage[i]),
                float(factor[i]),
                "New Business",
                contact_ids[i],
            )
        return opp_ids

    def _opportunity_path(
        self,
        rng,
        opp_id,
        created,
        account_idx,
        lead_id,
        owner,
        segment,
        plan,
        term,
        mrr,
        won,
        reason,
        last_stage,
        factor,
        opp_type,
        contact_id,
        amount=None,
    ) -> None:
        op = self.p["opportunities"]
        stages = op["stages"]
        path = list(range(last_stage + 1))
        if last_stage >= 3 and rng.random() < op["regression_rate"]:
            back = int(rng.integers(1, last_stage))
            path = [*path[: back + 2], back, *path[back + 1 :]]
        durations = [
            rng.lognormal(np.log(op["stage_median_days"][s] * factor), op["stage_sigma"]) for s in path
        ]
        entered = [int(created)]
        for d in durations[:-1]:
            entered.append(entered[-1] + int(d * US_PER_DAY))
        close_at = entered[-1] + int(durations[-1] * US_PER_DAY)
        close_day = us_to_date(close_at)
        q_first = date(close_day.year, 3 * ((close_day.month - 1) // 3) + 1, 1)
        # Quarter-end compression: deals about to slip into a new quarter get pulled into the old one.
        if (close_day - q_first).days < 10 and rng.random() < op["quarter_end_pull_share"]:
            pulled = to_us(q_first) - int(rng.uniform(0.1, 5) * US_PER_DAY)
            if pulled > entered[-1]:
                close_at = pulled
        amount = round(mrr * 12, 2) if amount is None else amount
        expected_close = int(created) + int(sum(op["stage_median_days"]) * factor * US_PER_DAY)
        demo_set = demo_held = NULL_TS
        versions = []
        for s, t in zip(path, entered, strict=True):
            if s == 1 and demo_set == NULL_TS:
                demo_set = t
            if s == 2 and demo_held == NULL_TS:
                demo_held = t
            if s > 0 and rng.random() < op["close_date_push_rate"]:
                expected_close = max(expected_close, t) + int(rng.uniform(7, 30) * US_PER_DAY)
            if s == 4:
                amount = round(amount * rng.uniform(0.88, 1.0), 2)
            versions.append((t, stages[s], op["stage_probabilities"][s], FORECAST[s], expected_close, None))
        if won:
            versions.append((close_at, "Closed Won", 100, "Closed", close_at, None))
        else:
            versions.append((close_at, "Closed Lost", 0, "Omitted", close_at, op["lost_reasons"][reason]))
        account_id = f"A{account_idx + 1:07d}"
        plan_name = self.p["plans"]["names"][plan]
        hist_no = int(opp_id[1:]) * 20
        for j, (t, stage, prob, forecast, close_us, reason_text) in enumerate(versions):
            self._opp_buf.append(
                (
                    t,
                    opp_id,
                    account_id,
                    lead_id,
                    owner,
                    opp_type,
                    stage,
                    f"{amount:.2f}",
                    float(prob),
                    forecast,
                    close_us,
                    demo_set if demo_set != NULL_TS and t >= demo_set else NULL_TS,
                    demo_held if demo_held != NULL_TS and t >= demo_held else NULL_TS,
                    reason_text,
                    plan_name,
                    term,
                    int(created),
                )
            )
            self._hist_buf.append(
                (t, f"SH{hist_no + j:010d}", opp_id, stage, float(amount), float(prob), owner)
            )
        # Deal activities: the demo (held, or a no-show) and meetings in the later stages.
        acts = []
        if demo_set != NULL_TS:
            demo_time = (
                demo_held if demo_held != NULL_TS else close_at - int(rng.uniform(0.5, 3) * US_PER_DAY)
            )
            acts.append(("demo", "Held" if demo_held != NULL_TS else "No Show", demo_time, 45))
        for stage_index, t in zip(path, entered, strict=True):
            if stage_index >= 3:
                acts.append(("meeting", "Held", t + int(rng.uniform(0.1, 2) * US_PER_DAY), 30))
        act_no = int(opp_id[1:]) * 10
        for j, (kind, outcome, t, minutes) in enumerate(acts):
            self._act_buf.append(
                (
                    t,
                    f"ACTO{act_no + j:011d}",
                    kind,
                    outcome,
                    owner,
                    lead_id,
                    contact_id,
                    opp_id,
                    account_id,
                    minutes,
                )
            )
        if won and opp_type == "New Business":
            self.customers.append(
                Customer(
                    account_idx=account_idx,
                    account_id=account_id,
                    segment=segment,
                    region=self.acct_region[account_idx],
                    plan=plan,
                    term_months=term,
                    mrr=mrr,
                    start_us=close_at,
                    opportunity_id=opp_id,
                    owner_user_id=owner,
                    contact_ids=list(self.acct_contacts[account_idx]),
                )
            )

    def flush_opportunities(self) -> None:
        """Turn the buffered opportunity versions, stage history and deal activities into columns."""
        self._flush("crm_opportunities", self._opp_buf, OPPORTUNITY_COLUMNS)
        self._flush("crm_opportunity_stage_history", self._hist_buf, STAGE_HISTORY_COLUMNS)
        self._flush("crm_activities", self._act_buf, DEAL_ACTIVITY_COLUMNS)
        self._opp_buf, self._hist_buf, self._act_buf = [], [], []

    def _flush(self, table: str, buffer: list[tuple], spec: tuple[tuple[str, str], ...]) -> None:
        """Buffered tuples laid out as ``spec`` (the "version" column is the row version time) -> a chunk."""
        if not buffer:
            return
        columns = list(zip(*buffer, strict=True))
        version = np.array(columns[0], dtype=np.int64)
        converters = {
            "text": lambda v: np.array(v, dtype=object),
            "float": lambda v: np.array(v, dtype=float),
            "int": lambda v: np.array(v, dtype=np.int64),
            "date_text": lambda v: fmt_date_text(np.array(v, dtype=np.int64)),
            "ts_text": lambda v: fmt_ts_text(np.array(v, dtype=np.int64)),
            "version": lambda v: version,
        }
        values = {name: converters[kind](columns[i]) for i, (name, kind) in enumerate(spec)}
        self.out.add(table, version, **values)

    # ------------------------------------------------------------------ installed base
    def build_installed_base(self) -> None:
        """Customers acquired before the history starts, so ARR and retention have a base from month one."""
        rng = self.rng("installed_base", 0)
        n = self.scaled(self.p["accounts"]["installed_base"])
        csms = self.team("CSM", None)
        aes = self.team("AE", None)
        start_us = self.start_us - rng.integers(1, 3 * 365, n) * US_PER_DAY
        start_us = np.sort(start_us - rng.integers(0, 86_400, n) * 1_000_000)
        created = start_us - rng.integers(20, 200, n) * US_PER_DAY
        idx = self.new_accounts(rng, created, csms[rng.integers(0, len(csms), n)])
        contacts, _ = self.new_contacts(rng, idx, created + US_PER_DAY)
        segments = np.array([self.acct_segment[i] for i in idx])
        plan, term, mrr = self._plan_terms(rng, segments)
        for i in range(n):
            a = int(idx[i])
            self.opportunity_seq += 1
            opp_id = f"O{self.opportunity_seq:08d}"
            owner = str(aes[rng.integers(0, len(aes))])
            self._opp_buf.append(
                (
                    int(start_us[i]),
                    opp_id,
                    f"A{a + 1:07d}",
                    None,
                    owner,
                    "New Business",
                    "Closed Won",
                    f"{mrr[i] * 12:.2f}",
                    100.0,
                    "Closed",
                    int(start_us[i]),
                    NULL_TS,
                    NULL_TS,
                    None,
                    self.p["plans"]["names"][plan[i]],
                    int(term[i]),
                    int(created[i] + 2 * US_PER_DAY),
                )
            )
            self.customers.append(
                Customer(
                    account_idx=a,
                    account_id=f"A{a + 1:07d}",
                    segment=str(segments[i]),
                    region=self.acct_region[a],
                    plan=int(plan[i]),
                    term_months=int(term[i]),
                    mrr=float(mrr[i]),
                    start_us=int(start_us[i]),
                    opportunity_id=opp_id,
                    owner_user_id=owner,
                    contact_ids=[str(contacts[i])],
                )
            )

    # ------------------------------------------------------------------ spend
    def build_spend(self) -> None:
        sp = self.p["spend"]
        for m in range(self.n_months):
            rng = self.rng("spend", m)
            first_day = month_start(self.start, m)
            weights, n_days = self.day_weights(first_day)
            budget = sp["ad_monthly"] * self.scale * self.month_volume_factor(m)
            rows_t, rows = [], []
            for c, (channel, share) in enumerate(
                zip(sp["ad_channels"], sp["ad_channel_weights"], strict=True)
            ):
                k = sp["campaigns_per_channel"]
                split = rng.dirichlet(np.full(k, 4.0))
                for j in range(k):
                    if channel in ("Event", "Webinar"):
                        daily = np.zeros(n_days)
                        days = rng.choice(n_days, 2 if channel == "Event" else 4, replace=False)
                        daily[days] = rng.dirichlet(np.ones(len(days)))
                    else:
                        daily = weights * rng.lognormal(0, 0.15, n_days)
                        daily /= daily.sum()
                    amount = np.round(budget * share * split[j] * daily, 2)
                    cpc = sp["cost_per_click"][c]
                    clicks = (amount / cpc).astype(np.int64) if cpc else np.zeros(n_days, np.int64)
                    impressions = clicks * rng.integers(25, 90, n_days) if cpc else np.zeros(n_days, np.int64)
                    day_us = to_us(first_day) + np.arange(n_days) * US_PER_DAY
                    keep = amount > 0
                    camp = f"CMP-{channel.lower().replace(' ', '-')}-{j + 1}"
                    rows_t.append(day_us[keep] + US_PER_DAY + 6 * US_PER_HOUR)  # reported the next morning
                    rows.append(
                        dict(
                            spend_id=np.char.add(fmt_date_text(day_us[keep]).astype(str), "-" + camp).astype(
                                object
                            ),
                            spend_date=day_us[keep],
                            channel=channel,
                            campaign_id=camp,
                            campaign_name=f"{channel} {CAMPAIGN_KINDS[j % 3]} {j + 1}",
                            impressions=impressions[keep],
                            clicks=clicks[keep],
                            spend_amount=amount[keep].astype(float),
                        )
                    )
            for t, r in zip(rows_t, rows, strict=True):
                self.out.add("spend_ad_daily", t, **r)

    def build_team_pay(self) -> None:
        """Monthly pay per team, booked on the 3rd of the following month (after payroll closes)."""
        t = self.p["teams"]
        opp = self.out.frame("crm_opportunities")
        cols = opp.columns
        owner_channel = dict(zip(self.users["ids"].tolist(), self.users["channel"].tolist(), strict=True))
        row_channel = np.array(
            [owner_channel.get(o, "") for o in cols["owner_user_id"].tolist()], dtype=object
        )
        won = (cols["stage"] == "Closed Won") & (cols["opportunity_type"] == "New Business")
        created = cols["stage"] == "Qualification"
        amount = np.array(
            [float(a) if w else 0.0 for a, w in zip(cols["amount"].tolist(), won.tolist(), strict=True)]
        )
        for m in range(self.n_months):
            lo, hi = to_us(month_start(self.start, m)), to_us(month_start(self.start, m + 1))
            in_month = (opp.version_us >= lo) & (opp.version_us < hi)
            for team, channel in (
                ("Inbound Sales", "Inbound"),
                ("Outbound Sales", "Outbound"),
                ("Customer Success", None),
                ("Sales Leadership", None),
            ):
                members = self.users["team"] == team
                salary = float(sum(t["salary"][r] for r in self.users["role"][members]))
                commission = 0.0
                if channel:
                    mine = in_month & (row_channel == channel)
                    commission = t["ae_commission_rate"] * float(amount[mine & won].sum())
                    commission += t["bdr_bonus_per_opportunity"] * int((mine & created).sum())
                self.out.add(
                    "spend_team_monthly",
                    [hi + 2 * US_PER_DAY],
                    team_month_id=[
                        f"{month_start(self.start, m).isoformat()}-{team.lower().replace(' ', '-')}"
                    ],
                    month_start=[lo],
                    team=[team],
                    channel=[channel],
                    headcount=[int(members.sum())],
                    salary_amount=[salary],
                    commission_amount=[round(commission, 2)],
                )
