"""Deliberate dirty data, the defects real CRM and billing exports have, each recorded in a manifest.

Whether a row gets a defect, and which one, is a pure function of (seed, table, key, version time), so
the history and every later increment inject exactly the same defects into the same records.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

import numpy as np

from gtm.sources.generators.frames import NULL_TS, US_PER_DAY, US_PER_HOUR, Frame

# Eligible (defect kind, column) per table. Kinds match the staging layer's repair/quarantine rules.
DEFECT_PLAN: dict[str, list[tuple[str, str | None]]] = {
    "crm_leads": [
        ("duplicate_resend", None),
        ("status_spelling", "status"),
        ("year_0024", "form_submitted_at"),
        ("mixed_timezone", "first_call_at"),
        ("currency_string", "predicted_value"),
        ("python_list_string", "touch_channels"),
        ("malformed_email", "email"),
        ("null_required", "created_at"),
        ("orphan_fk", "account_id"),
    ],
    "crm_opportunities": [
        ("duplicate_resend", None),
        ("status_spelling", "stage"),
        ("currency_string", "amount"),
        ("year_0024", "close_date"),
        ("negative_amount", "amount"),
        ("orphan_fk", "account_id"),
        ("mixed_timezone", "demo_held_at"),
    ],
    "crm_contacts": [
        ("duplicate_resend", None),
        ("malformed_email", "email"),
        ("null_required", "account_id"),
    ],
    "crm_accounts": [("duplicate_resend", None), ("status_spelling", "segment")],
    "crm_activities": [
        ("duplicate_resend", None),
        ("future_timestamp", "occurred_at"),
        ("orphan_fk", "contact_id"),
    ],
    "marketing_touches": [
        ("duplicate_resend", None),
        ("orphan_fk", "contact_id"),
        ("future_timestamp", "touched_at"),
    ],
    "sales_touches": [("duplicate_resend", None), ("orphan_fk", "contact_id")],
    "spend_ad_daily": [("duplicate_resend", None), ("negative_amount", "spend_amount")],
    "billing_subscriptions": [("duplicate_resend", None), ("negative_amount", "mrr_amount")],
    "billing_invoices": [
        ("duplicate_resend", None),
        ("currency_string", "amount"),
        ("negative_amount", "amount"),
    ],
    "support_tickets": [("duplicate_resend", None), ("future_timestamp", "created_at")],
    "product_api_events": [("duplicate_resend", None)],
}
ORPHAN_IDS = {"account_id": "A9999999", "contact_id": "C99999999"}
STATUS_VARIANTS = [
    lambda v: v.lower().replace(" ", "_"),  # closed_won
    lambda v: v + " ",  # trailing space
    lambda v: v.upper(),
    lambda v: " " + v.lower(),
]
# Ten years ahead: past any load time of the simulated history, so staging can tell it is impossible
# (a source cannot report an event later than the moment the row was extracted).
FUTURE_SHIFT_US = 10 * 365 * US_PER_DAY


@dataclass
class DefectRecord:
    table_name: str
    record_key: str
    version_at_us: int
    defect_kind: str
    column_name: str | None
    clean_value: str | None
    dirty_value: str | None


def _row_hashes(frame: Frame, seed: int) -> np.ndarray:
    table = frame.table.name
    keys = frame.columns[frame.table.key]
    if keys.dtype.kind in "iu":
        # Vectorised for the big numeric-keyed tables (API events).
        mixed = (keys.astype(np.uint64) * np.uint64(2654435761) + np.uint64(seed * 97 + 13)) % np.uint64(
            2**32
        )
        return ((mixed ^ (mixed >> np.uint64(13))) * np.uint64(1274126177) % np.uint64(2**32)).astype(
            np.uint64
        )
    versions = frame.version_us.tolist()
    return np.array(
        [
            zlib.crc32(f"{seed}|{table}|{k}|{v}".encode())
            for k, v in zip(keys.tolist(), versions, strict=True)
        ],
        dtype=np.uint64,
    )


def _currency(value: str, variant: int) -> str:
    amount = float(value)
    whole, cents = f"{abs(amount):,.2f}".split(".")
    sign = "-" if amount < 0 else ""
    if variant == 0:
        return f"{sign}US$ {whole.replace(',', ' ')},{cents}"
    if variant == 1:
        return f"{sign}{whole.replace(',', '.')},{cents}"
    return f"{sign}${whole}.{cents}"


def _shift_zone(text: str, variant: int) -> str:
    """'YYYY-MM-DD HH:MM:SS' in UTC -> the same instant written in another zone, with its offset."""
    moment = np.datetime64(text.replace(" ", "T"), "s")
    hours = (-5, 2, 9)[variant % 3]
    local = moment + np.timedelta64(hours * 3600, "s")
    sign = "+" if hours >= 0 else "-"
    return f"{str(local).replace('T', ' ')}{sign}{abs(hours):02d}:00"


def _mutate(kind: str, value, variant: int, pg_type: str):
    """Returns the dirty value, or the sentinel _SKIP when this row cannot carry this defect."""
    if kind == "null_required":
        return None if value is not None and value != NULL_TS else _SKIP
    if value is None or (isinstance(value, int | np.integer) and value == NULL_TS):
        return _SKIP
    if kind == "status_spelling":
        return STATUS_VARIANTS[variant % len(STATUS_VARIANTS)](str(value))
    if kind == "year_0024":
        text = str(value)
        return "00" + text[2:] if text[:2] == "20" else _SKIP
    if kind == "mixed_timezone":
        return _shift_zone(str(value), variant)
    if kind == "currency_string":
        return _currency(str(value), variant % 3)
    if kind == "python_list_string":
        parts = [p for p in str(value).split(",") if p]
        return "[" + ", ".join(f"'{p}'" for p in parts) + "]" if parts else _SKIP
    if kind == "malformed_email":
        text = str(value)
        return text.replace("@", "@@") if variant % 2 else text.replace("@", " at ")
    if kind == "orphan_fk":
        return _SKIP if value is None else None  # replaced by the caller with the column's orphan id
    if kind == "future_timestamp":
        return int(value) + FUTURE_SHIFT_US + (variant % 24) * US_PER_HOUR
    if kind == "negative_amount":
        if pg_type == "numeric":
            return -abs(float(value)) if float(value) != 0 else _SKIP
        return "-" + str(value).lstrip("-")
    raise ValueError(kind)


_SKIP = object()


def _text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, int | np.integer) and value != NULL_TS and abs(int(value)) > 10**12:
        return str(np.datetime64(int(value), "us")) + "Z"
    return str(value)


def inject(frame: Frame, seed: int, rate: float) -> tuple[Frame, list[DefectRecord]]:
    plan = DEFECT_PLAN.get(frame.table.name)
    if not plan or not len(frame) or rate <= 0:
        return frame, []
    h = _row_hashes(frame, seed)
    chosen = np.flatnonzero((h % np.uint64(1_000_000)) < np.uint64(round(rate * 1_000_000)))
    if not len(chosen):
        return frame, []
    columns = {k: v.copy() for k, v in frame.columns.items()}
    types = {c.name: c.pg_type for c in frame.table.columns}
    records: list[DefectRecord] = []
    duplicates: list[int] = []
    keys = frame.columns[frame.table.key]
    for i in chosen.tolist():
        variant = int(h[i] >> np.uint64(20))
        kind, column = plan[variant % len(plan)]
        key = str(keys[i])
        if kind == "duplicate_resend":
            duplicates.append(i)
            records.append(
                DefectRecord(frame.table.name, key, int(frame.version_us[i]), kind, None, None, None)
            )
            continue
        original = columns[column][i]
        dirty = _mutate(kind, original, variant >> 4, types[column])
        if dirty is _SKIP:
            continue
        if kind == "orphan_fk":
            dirty = ORPHAN_IDS[column]
        if columns[column].dtype != object and (dirty is None or isinstance(dirty, str | float)):
            columns[column] = columns[column].astype(object)
        columns[column][i] = NULL_TS if dirty is None and columns[column].dtype != object else dirty
        records.append(
            DefectRecord(
                frame.table.name, key, int(frame.version_us[i]), kind, column, _text(original), _text(dirty)
            )
        )
    result = Frame(frame.table, columns, frame.version_us)
    if duplicates:
        idx = np.array(duplicates)
        result = Frame(
            frame.table,
            {k: _concat_same(v, v[idx]) for k, v in result.columns.items()},
            np.concatenate([frame.version_us, frame.version_us[idx]]),
        )
    return result, records


def _concat_same(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    if a.dtype == b.dtype:
        return np.concatenate([a, b])
    return np.concatenate([a.astype(object), b.astype(object)])
