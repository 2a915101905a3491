"""CRM source system: accounts and leads.

Numeric and time columns are drawn in bulk with ``numpy.random.default_rng``; Faker only seeds the pools of
company and person names, so a seed fully determines every byte.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
from faker import Faker

from gtm.generators.config import GeneratorConfig

LEADS_PER_MONTH_AT_SCALE_1 = 4500
INBOUND_SHARE = 0.42
LEADS_PER_ACCOUNT = 2.5

SEGMENTS = np.array(["Enterprise", "Mid Market", "Commercial", "SMB"])
SEGMENT_WEIGHTS = np.array([0.08, 0.22, 0.30, 0.40])
INDUSTRIES = np.array(
    [
        "Software",
        "Financial Services",
        "Healthcare",
        "Retail",
        "Manufacturing",
        "Media",
        "Education",
        "Logistics",
    ]
)
REGIONS = np.array(["North America", "EMEA", "APAC", "LATAM"])
REGION_WEIGHTS = np.array([0.55, 0.25, 0.12, 0.08])
EMPLOYEE_BANDS = {
    "Enterprise": "5000+",
    "Mid Market": "1000-4999",
    "Commercial": "200-999",
    "SMB": "1-199",
}

LEAD_STATUSES = np.array(
    [
        "New",
        "Working",
        "Demo Set",
        "Sales Nurture",
        "Converted",
        "Not Interested",
        "Disqualified",
        "Incorrect Contact Data",
    ]
)
# Status mix per channel, shaped after the case study (seed 000): inbound converts ~4x better, outbound
# carries most of the bad contact data.
STATUS_WEIGHTS = {
    "Inbound": np.array([0.05, 0.50, 0.03, 0.01, 0.18, 0.12, 0.08, 0.03]),
    "Outbound": np.array([0.046, 0.574, 0.012, 0.026, 0.047, 0.105, 0.093, 0.097]),
}
INBOUND_SOURCES = np.array(["Website", "Paid Search", "Webinar", "Event", "Paid Social"])
OUTBOUND_SOURCES = np.array(["Outbound Prospecting", "Purchased List", "Referral"])


@dataclass
class CrmWorld:
    accounts: list[tuple]
    leads: list[tuple]


def _daily_weights(cfg: GeneratorConfig) -> np.ndarray:
    """Lead arrival weights per day: steady growth, quieter weekends."""
    day_index = np.arange(cfg.days)
    start = np.datetime64(cfg.history_start, "D")
    weekday = (start + day_index).astype("datetime64[D]").view("int64")
    weekday = (weekday + 3) % 7  # 1970-01-01 was a Thursday -> Monday = 0
    growth = 1.0 + 0.6 * day_index / max(cfg.days - 1, 1)
    weekend = np.where(weekday >= 5, 0.35, 1.0)
    weights = growth * weekend
    return weights / weights.sum()


def _to_datetimes(micros: np.ndarray) -> list[datetime]:
    base = datetime(1970, 1, 1, tzinfo=UTC)
    return [base.fromtimestamp(m / 1_000_000, tz=UTC) for m in micros.tolist()]


def generate_crm(cfg: GeneratorConfig) -> CrmWorld:
    rng = np.random.default_rng(cfg.seed)
    faker = Faker("en_US")
    faker.seed_instance(cfg.seed)

    n_leads = max(1, round(LEADS_PER_MONTH_AT_SCALE_1 * cfg.scale * cfg.months))
    n_accounts = max(1, round(n_leads / LEADS_PER_ACCOUNT))

    company_pool = np.array([faker.unique.company() for _ in range(min(n_accounts, 5000))])
    first_pool = np.array([faker.first_name() for _ in range(500)])
    last_pool = np.array([faker.last_name() for _ in range(500)])

    # Accounts
    start_us = int(datetime.combine(cfg.history_start, datetime.min.time(), tzinfo=UTC).timestamp() * 1e6)
    end_us = int(cfg.history_end.replace(tzinfo=UTC).timestamp() * 1e6)
    account_ids = np.char.add("A", np.char.zfill(np.arange(1, n_accounts + 1).astype(str), 7))
    names = company_pool[rng.integers(0, len(company_pool), n_accounts)]
    suffix = np.where(np.arange(n_accounts) < len(company_pool), "", " " + np.arange(n_accounts).astype(str))
    names = np.char.add(names.astype(str), suffix.astype(str))
    segments = rng.choice(SEGMENTS, n_accounts, p=SEGMENT_WEIGHTS)
    industries = rng.choice(INDUSTRIES, n_accounts)
    regions = rng.choice(REGIONS, n_accounts, p=REGION_WEIGHTS)
    acct_created = rng.integers(start_us, end_us, n_accounts)
    acct_created.sort()
    acct_updated = np.minimum(acct_created + rng.integers(0, 30 * 86_400_000_000, n_accounts), end_us - 1)
    created_dt, updated_dt = _to_datetimes(acct_created), _to_datetimes(acct_updated)
    accounts = [
        (aid, name, ind, seg, EMPLOYEE_BANDS[seg], reg, c, u)
        for aid, name, ind, seg, reg, c, u in zip(
            account_ids.tolist(),
            names.tolist(),
            industries.tolist(),
            segments.tolist(),
            regions.tolist(),
            created_dt,
            updated_dt,
            strict=True,
        )
    ]

    # Leads
    days = rng.choice(cfg.days, n_leads, p=_daily_weights(cfg))
    seconds_of_day = np.clip(rng.normal(13.5 * 3600, 3 * 3600, n_leads), 0, 86_399).astype(np.int64)
    lead_created = start_us + (days.astype(np.int64) * 86_400 + seconds_of_day) * 1_000_000
    order = np.argsort(lead_created, kind="stable")
    lead_created = lead_created[order]
    is_inbound = rng.random(n_leads) < INBOUND_SHARE
    status = np.where(
        is_inbound,
        rng.choice(LEAD_STATUSES, n_leads, p=STATUS_WEIGHTS["Inbound"]),
        rng.choice(LEAD_STATUSES, n_leads, p=STATUS_WEIGHTS["Outbound"]),
    )
    source = np.where(
        is_inbound,
        rng.choice(INBOUND_SOURCES, n_leads),
        rng.choice(OUTBOUND_SOURCES, n_leads),
    )
    # Accounts created before the lead are eligible; pick uniformly among them.
    eligible = np.searchsorted(acct_created, lead_created, side="right")
    lead_account = np.floor(rng.random(n_leads) * np.maximum(eligible, 1)).astype(np.int64)
    form_lag_us = rng.integers(30, 600, n_leads) * 1_000_000
    form_submitted = lead_created - form_lag_us
    lead_updated = np.minimum(lead_created + rng.integers(0, 45 * 86_400_000_000, n_leads), end_us - 1)
    predicted = np.round(rng.lognormal(np.log(900), 0.8, n_leads), 2)
    firsts = first_pool[rng.integers(0, len(first_pool), n_leads)]
    lasts = last_pool[rng.integers(0, len(last_pool), n_leads)]
    lead_ids = np.char.add("L", np.char.zfill(np.arange(1, n_leads + 1).astype(str), 8))
    emails = [
        f"{f.lower()}.{ln.lower()}{i % 97}@{aid.lower()}.example.com"
        for i, (f, ln, aid) in enumerate(
            zip(firsts.tolist(), lasts.tolist(), account_ids[lead_account].tolist(), strict=True)
        )
    ]
    form_text = [
        datetime.fromtimestamp(us / 1e6, tz=UTC).strftime("%Y-%m-%d %H:%M:%S") if inbound else ""
        for us, inbound in zip(form_submitted.tolist(), is_inbound.tolist(), strict=True)
    ]
    leads = list(
        zip(
            lead_ids.tolist(),
            account_ids[lead_account].tolist(),
            emails,
            source.tolist(),
            status.tolist(),
            form_text,
            [f"{v:.2f}" for v in predicted.tolist()],
            _to_datetimes(lead_created),
            _to_datetimes(lead_updated),
            strict=True,
        )
    )
    return CrmWorld(accounts=accounts, leads=leads)
