"""Bring your own data: import CSV exports into the bronze tables (`gtm load`).

Three formats (docs/IMPORT.md has the full contract, generated from the specs below):

- ``native``: one ``<bronze_table>.csv`` per table, columns = the table's contract columns (bronze.py).
- ``attribution``: the four CSVs of the marketing/sales touchpoint attribution exercise.
- ``o2r``: the five example tables of the Observability-to-Revenue book (chapter 12).

Every file is parsed in Python against the contract types and streamed into ``loader.load_batch``. Rows
that cannot be parsed go to ``bronze._load_rejects`` in the same transaction as the good rows, so a
(batch, table) pair is always replaced as a whole: rows, ledger entry and rejects.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import json
import re
import tempfile
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from operator import itemgetter
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

from gtm.settings import REPO_ROOT
from gtm.warehouse.bronze import (
    ALL_TABLES,
    BILLING_INVOICES,
    BILLING_SUBSCRIPTIONS,
    BRONZE_SCHEMA,
    CRM_ACCOUNTS,
    CRM_CONTACTS,
    CRM_OPPORTUNITIES,
    MARKETING_TOUCHES,
    PRODUCT_API_EVENTS,
    PRODUCT_INCIDENTS,
    SALES_TOUCHES,
    SUPPORT_TICKETS,
    BronzeTable,
)
from gtm.warehouse.loader import ensure_bronze, load_batch

REJECTS_TABLE = "_load_rejects"
REJECTS = sql.Identifier(BRONZE_SCHEMA, REJECTS_TABLE)
REJECTS_DDL = sql.SQL(
    """CREATE TABLE IF NOT EXISTS {} (
        batch_id text not null,
        table_name text not null,
        source_file text,
        line_number bigint,
        column_name text,
        raw_record text,
        reason text not null,
        rejected_at timestamptz not null
    )"""
).format(REJECTS)
REJECTS_INDEX = sql.SQL("CREATE INDEX IF NOT EXISTS {} ON {} (batch_id, table_name)").format(
    sql.Identifier(f"{REJECTS_TABLE}__batch_idx"), REJECTS
)
REJECT_COLUMNS = (
    "batch_id",
    "table_name",
    "source_file",
    "line_number",
    "column_name",
    "raw_record",
    "reason",
    "rejected_at",
)
REJECT_TYPES = ("text", "text", "text", "int8", "text", "text", "text", "timestamptz")

SOURCE_SYSTEM_PREFIX = "csv"
MAX_EXAMPLES = 5
DOCS_PATH = REPO_ROOT / "docs" / "IMPORT.md"
_CHUNK = 1 << 20
# The csv module refuses fields over 128 KiB by default; long free text (notes, descriptions) is legitimate.
csv.field_size_limit(max(csv.field_size_limit(), 64 << 20))


class ImportArgumentError(ValueError):
    """The import cannot start (bad path, unknown or ambiguous format, bad batch id); nothing was written."""


class FileImportError(ValueError):
    """A whole file is unusable (header, encoding, structure); nothing of it was loaded."""


# --------------------------------------------------------------------------------------------------------
# Parsing: one function per contract type. Each gets a non-empty string and returns the value or raises
# ValueError. Text is never passed through here: bronze keeps what the source sent.

_INT_RE = re.compile(r"[+-]?[0-9]+")
_NUM_RE = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")
_DATE_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_TS_RE = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}"
    r"(?:[T ][0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]{1,6})?)?(?:Z|[+-][0-9]{2}(?::?[0-9]{2})?)?)?"
)
_INT_BITS = {"smallint": 16, "integer": 32, "bigint": 64}
_BOOLEANS = {
    "true": True,
    "t": True,
    "1": True,
    "yes": True,
    "false": False,
    "f": False,
    "0": False,
    "no": False,
}


def _int_parser(bits: int) -> Callable[[str], int]:
    low, high = -(2 ** (bits - 1)), 2 ** (bits - 1) - 1

    def parse(value: str) -> int:
        if not _INT_RE.fullmatch(value):
            raise ValueError
        number = int(value)
        if not low <= number <= high:
            raise ValueError(f"out of range ({low} to {high})")
        return number

    return parse


def _parse_numeric(value: str) -> Decimal:
    # Plain decimals only: '1,234.50', '$12' or '1e3' are what text columns are for.
    if not _NUM_RE.fullmatch(value):
        raise ValueError
    return Decimal(value)


def _parse_boolean(value: str) -> bool:
    try:
        return _BOOLEANS[value.lower()]
    except KeyError:
        raise ValueError from None


def _parse_date(value: str) -> date:
    if not _DATE_RE.fullmatch(value):
        raise ValueError
    return date.fromisoformat(value)


def _parse_timestamptz(value: str) -> datetime:
    if not _TS_RE.fullmatch(value):
        raise ValueError
    parsed = datetime.fromisoformat(value)
    # A timestamp without an offset is read as UTC (the warehouse's time zone), never as local time.
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


PARSERS: dict[str, Callable[[str], Any]] = {
    **{name: _int_parser(bits) for name, bits in _INT_BITS.items()},
    "numeric": _parse_numeric,
    "boolean": _parse_boolean,
    "date": _parse_date,
    "timestamptz": _parse_timestamptz,
}


def parse_value(raw: str, pg_type: str) -> Any:
    """The value a CSV field stands for under ``pg_type``; '' is NULL. Raises ValueError when unparseable."""
    if raw == "":
        return None
    if pg_type == "text":
        return raw
    stripped = raw.strip()
    if stripped == "":
        return None
    return PARSERS[pg_type](stripped)


# --------------------------------------------------------------------------------------------------------
# Format specs: which files a format has, how their columns parse and how rows map onto bronze tables.


@dataclass(frozen=True)
class SourceColumn:
    name: str
    pg_type: str = "text"
    ignored: bool = False  # accepted in the header (optional), neither parsed nor loaded
    note: str = ""


@dataclass(frozen=True)
class Field:
    """How one bronze column is computed from a parsed source row (``doc`` is shown in docs/IMPORT.md)."""

    doc: str
    get: Callable[[dict[str, Any]], Any]


def _col(name: str) -> Field:
    return Field(f"`{name}`", itemgetter(name))


def _const(value: Any) -> Field:
    return Field(f"`'{value}'`" if isinstance(value, str) else f"`{value}`", lambda _row: value)


def _midnight(name: str) -> Field:
    def get(row: dict[str, Any]) -> datetime | None:
        value = row[name]
        return None if value is None else datetime(value.year, value.month, value.day, tzinfo=UTC)

    return Field(f"`{name}` at 00:00 UTC", get)


@dataclass(frozen=True)
class Target:
    table: BronzeTable
    fields: dict[str, Field]
    keys: tuple[str, ...]  # source columns that must not be empty (they make the bronze key)

    def __post_init__(self) -> None:
        unknown = set(self.fields) - set(self.table.column_names)
        if unknown:
            raise ValueError(f"{self.table.name} has no column(s) {sorted(unknown)}")

    def build(self, row: dict[str, Any]) -> tuple:
        return tuple(self.fields[c].get(row) if c in self.fields else None for c in self.table.column_names)


@dataclass(frozen=True)
class SourceFile:
    name: str
    columns: tuple[SourceColumn, ...]
    targets: tuple[Target, ...]
    # Called with each accepted row of the first target's pass; feeds derived tables.
    observe: Callable[[dict[str, Any], int, dict], None] | None = None

    @property
    def required(self) -> list[SourceColumn]:
        return [c for c in self.columns if not c.ignored]


@dataclass(frozen=True)
class DerivedTarget:
    """A bronze table built from what other files of the same import contained (not a file of its own)."""

    target: Target
    sources: tuple[str, ...]
    rows: Callable[[dict[str, dict]], Iterable[dict[str, Any]]]
    note: str = ""


@dataclass(frozen=True)
class Format:
    name: str
    description: str
    files: tuple[SourceFile, ...]
    derived: tuple[DerivedTarget, ...] = ()
    file_set: bool = True  # the files belong together: say which ones an import lacked

    @property
    def file_names(self) -> list[str]:
        return [f.name for f in self.files]

    def file(self, name: str) -> SourceFile:
        return next(f for f in self.files if f.name == name)


def _native() -> Format:
    files = tuple(
        SourceFile(
            name=f"{t.name}.csv",
            columns=tuple(SourceColumn(c.name, c.pg_type) for c in t.columns),
            targets=(Target(t, {c: _col(c) for c in t.column_names}, keys=(t.key,)),),
        )
        for t in ALL_TABLES
    )
    return Format(
        "native",
        "One `<bronze_table>.csv` per bronze table, in the contract's columns.",
        files,
        file_set=False,
    )


# Attribution: crm_accounts has no file of its own; it is one row per account id seen in the contacts or
# opportunities, with the segment of the account's latest opportunity.
_EARLIEST = datetime.min.replace(tzinfo=UTC)


def _observe_contact(row: dict[str, Any], line: int, bucket: dict) -> None:
    if row["account_id"] is not None:
        bucket.setdefault(row["account_id"], None)


def _observe_opportunity(row: dict[str, Any], line: int, bucket: dict) -> None:
    account = row["account_id"]
    if account is None:
        return
    created, segment = row["opportunity_created_date"], row["Sales_segment"]
    # Opportunities without a segment register the account but never override a known segment.
    rank = (segment is not None, created is not None, created or _EARLIEST, line)
    if account not in bucket or bucket[account][0] < rank:
        bucket[account] = (rank, segment)


def _attribution_accounts(state: dict[str, dict]) -> Iterator[dict[str, Any]]:
    segments: dict[str, str | None] = dict.fromkeys(state.get("contact_data.csv", {}))
    for account, (_rank, segment) in state.get("opportunity_data.csv", {}).items():
        segments[account] = segment
    for account in sorted(segments):
        yield {"account_id": account, "segment": segments[account]}


def _attribution() -> Format:
    def touches(file: str, prefix: str, table: BronzeTable) -> SourceFile:
        return SourceFile(
            name=file,
            columns=(
                SourceColumn(f"{prefix}_touchpoint_id"),
                SourceColumn("channel_name"),
                SourceColumn("contact_id"),
                SourceColumn(f"{prefix}_touchpoint_date", "timestamptz"),
            ),
            targets=(
                Target(
                    table,
                    {
                        "touch_id": _col(f"{prefix}_touchpoint_id"),
                        "contact_id": _col("contact_id"),
                        "channel": _col("channel_name"),
                        "touched_at": _col(f"{prefix}_touchpoint_date"),
                    },
                    keys=(f"{prefix}_touchpoint_id",),
                ),
            ),
        )

    files = (
        touches("marketing_data.csv", "marketing", MARKETING_TOUCHES),
        touches("sales_outreach_data.csv", "sales", SALES_TOUCHES),
        SourceFile(
            name="contact_data.csv",
            columns=(SourceColumn("contact_id"), SourceColumn("account_id")),
            targets=(
                Target(
                    CRM_CONTACTS,
                    {"contact_id": _col("contact_id"), "account_id": _col("account_id")},
                    keys=("contact_id",),
                ),
            ),
            observe=_observe_contact,
        ),
        SourceFile(
            name="opportunity_data.csv",
            columns=(
                SourceColumn("opportunity_id"),
                SourceColumn("account_id"),
                SourceColumn("pipeline_amount", note="kept verbatim (text)"),
                SourceColumn("opportunity_created_date", "timestamptz"),
                SourceColumn("Sales_segment"),
            ),
            targets=(
                Target(
                    CRM_OPPORTUNITIES,
                    {
                        "opportunity_id": _col("opportunity_id"),
                        "account_id": _col("account_id"),
                        "opportunity_type": _const("New Business"),
                        # The export has no stage: every row is pipeline, taken as open at the first stage.
                        "stage": _const("Qualification"),
                        "amount": _col("pipeline_amount"),
                        "sales_segment": _col("Sales_segment"),
                        "created_at": _col("opportunity_created_date"),
                        "updated_at": _col("opportunity_created_date"),
                    },
                    keys=("opportunity_id",),
                ),
            ),
            observe=_observe_opportunity,
        ),
    )
    accounts = DerivedTarget(
        target=Target(
            CRM_ACCOUNTS,
            {
                "account_id": Field(
                    "every distinct non-empty `account_id` of the accepted contact and opportunity rows",
                    itemgetter("account_id"),
                ),
                "segment": Field(
                    "`Sales_segment` of the account's latest opportunity that has one (by "
                    "`opportunity_created_date`, then file order); NULL for accounts with contacts only",
                    itemgetter("segment"),
                ),
            },
            keys=("account_id",),
        ),
        sources=("contact_data.csv", "opportunity_data.csv"),
        rows=_attribution_accounts,
    )
    return Format(
        "attribution",
        "The marketing/sales touchpoint attribution exercise (four CSVs).",
        files,
        (accounts,),
    )


def _o2r() -> Format:
    def account_type(row: dict[str, Any]) -> str | None:
        active = row["is_active"]
        return None if active is None else ("Customer" if active else "Former Customer")

    def subscription_status(row: dict[str, Any]) -> str | None:
        active = row["is_active"]
        return None if active is None else ("active" if active else "cancelled")

    def subscription_id(row: dict[str, Any]) -> str:
        return f"sub-{row['account_id']}"

    def invoice_id(row: dict[str, Any]) -> str:
        return f"inv-{row['account_id']}-{row['product']}-{row['week_start'].isoformat()}"

    def week_end(row: dict[str, Any]) -> date:
        return row["week_start"] + timedelta(days=7)

    def status_code(row: dict[str, Any]) -> int | None:
        error = row["is_error"]
        return None if error is None else (500 if error else 200)

    def severity(row: dict[str, Any]) -> str:
        downtime = row["downtime_minutes"]
        return "SEV1" if downtime is not None and downtime > 0 else "SEV3"

    def ticket_updated(row: dict[str, Any]) -> datetime | None:
        return row["resolved_at"] or row["created_at"]

    week_label = SourceColumn(
        "week_start", ignored=True, note="optional, not loaded: weeks are derived from the timestamps"
    )
    files = (
        SourceFile(
            name="accounts.csv",
            columns=(
                SourceColumn("account_id"),
                SourceColumn("account_name"),
                SourceColumn("tier"),
                SourceColumn("signup_date", "date"),
                SourceColumn("is_active", "boolean"),
            ),
            targets=(
                Target(
                    CRM_ACCOUNTS,
                    {
                        "account_id": _col("account_id"),
                        "account_name": _col("account_name"),
                        "segment": _col("tier"),
                        "account_type": Field(
                            "`'Customer'` when `is_active`, else `'Former Customer'`", account_type
                        ),
                        "created_at": _midnight("signup_date"),
                        "updated_at": _midnight("signup_date"),
                    },
                    keys=("account_id",),
                ),
                Target(
                    BILLING_SUBSCRIPTIONS,
                    {
                        "subscription_id": Field("`sub-<account_id>`", subscription_id),
                        "account_id": _col("account_id"),
                        "plan": _col("tier"),
                        "start_date": _col("signup_date"),
                        "status": Field(
                            "`'active'` when `is_active`, else `'cancelled'`", subscription_status
                        ),
                        "change_type": _const("new"),
                        "updated_at": _midnight("signup_date"),
                    },
                    keys=("account_id",),
                ),
            ),
        ),
        SourceFile(
            name="weekly_revenue.csv",
            columns=(
                SourceColumn("account_id"),
                SourceColumn("product"),
                SourceColumn("week_start", "date", note="the invoice period start"),
                SourceColumn("weekly_revenue", note="kept verbatim (text)"),
            ),
            targets=(
                Target(
                    BILLING_INVOICES,
                    {
                        "invoice_id": Field("`inv-<account_id>-<product>-<week_start>`", invoice_id),
                        "account_id": _col("account_id"),
                        "subscription_id": Field("`sub-<account_id>`", subscription_id),
                        "invoice_type": _const("subscription"),
                        "invoice_date": _col("week_start"),
                        "period_start": _col("week_start"),
                        "period_end": Field("`week_start` + 7 days", week_end),
                        "amount": _col("weekly_revenue"),
                        "status": _const("paid"),
                        "updated_at": _midnight("week_start"),
                    },
                    keys=("account_id", "product", "week_start"),
                ),
            ),
        ),
        SourceFile(
            name="usage_events.csv",
            columns=(
                SourceColumn("request_id", "bigint"),
                SourceColumn("account_id"),
                week_label,
                SourceColumn("tokens", "integer"),
                SourceColumn("latency_ms", "integer"),
                SourceColumn("is_error", "boolean"),
                SourceColumn("event_ts", "timestamptz"),
            ),
            targets=(
                Target(
                    PRODUCT_API_EVENTS,
                    {
                        "event_id": _col("request_id"),
                        "account_id": _col("account_id"),
                        "event_at": _col("event_ts"),
                        "tokens": _col("tokens"),
                        "latency_ms": _col("latency_ms"),
                        "status_code": Field("`500` when `is_error`, else `200`", status_code),
                    },
                    keys=("request_id",),
                ),
            ),
        ),
        SourceFile(
            name="incidents.csv",
            columns=(
                SourceColumn("incident_id"),
                week_label,
                SourceColumn("started_at", "timestamptz"),
                SourceColumn("resolved_at", "timestamptz"),
                SourceColumn("downtime_minutes", "integer"),
            ),
            targets=(
                Target(
                    PRODUCT_INCIDENTS,
                    {
                        "incident_id": _col("incident_id"),
                        "severity": Field("`'SEV1'` when `downtime_minutes` > 0, else `'SEV3'`", severity),
                        "scope": _const("global"),
                        "started_at": _col("started_at"),
                        "resolved_at": _col("resolved_at"),
                        "downtime_minutes": _col("downtime_minutes"),
                    },
                    keys=("incident_id",),
                ),
            ),
        ),
        SourceFile(
            name="support_tickets.csv",
            columns=(
                SourceColumn("ticket_id"),
                SourceColumn("account_id"),
                week_label,
                SourceColumn("created_at", "timestamptz"),
                SourceColumn("resolved_at", "timestamptz"),
                SourceColumn("category"),
            ),
            targets=(
                Target(
                    SUPPORT_TICKETS,
                    {
                        "ticket_id": _col("ticket_id"),
                        "account_id": _col("account_id"),
                        "category": _col("category"),
                        "created_at": _col("created_at"),
                        "resolved_at": _col("resolved_at"),
                        "updated_at": Field("`resolved_at`, or `created_at` while open", ticket_updated),
                    },
                    keys=("ticket_id",),
                ),
            ),
        ),
    )
    return Format("o2r", "The Observability-to-Revenue book's example tables (chapter 12, five CSVs).", files)


FORMATS: dict[str, Format] = {f.name: f for f in (_native(), _attribution(), _o2r())}


# --------------------------------------------------------------------------------------------------------
# Reading one CSV file: strict UTF-8, comma-separated, header row first.


def _short(value: str, limit: int = 80) -> str:
    return value if len(value) <= limit else value[: limit - 3] + "..."


class _LineTap:
    """Feeds the csv reader line by line and keeps the raw text of the record being read."""

    def __init__(self, lines: Iterator[str]) -> None:
        self._lines = lines
        self._buffer: list[str] = []

    def __iter__(self) -> _LineTap:
        return self

    def __next__(self) -> str:
        line = next(self._lines)
        if "\0" in line:
            raise ValueError("contains a NUL byte")
        self._buffer.append(line)
        return line

    def take(self) -> str:
        raw = "".join(self._buffer)
        self._buffer.clear()
        return raw.rstrip("\r\n")


@dataclass(frozen=True)
class Record:
    line: int  # line where the record starts (the header is line 1)
    raw: str
    fields: list[str]
    error: str | None = None  # malformed quoting: the record is rejected as a whole


class CsvFile:
    """One open CSV file whose header has been checked against a SourceFile spec."""

    def __init__(self, path: Path, spec: SourceFile, *, ignore_extra_columns: bool = False) -> None:
        self.path = path
        self.name = path.name
        self.spec = spec
        self._fh = path.open(encoding="utf-8-sig", newline="")
        self._tap = _LineTap(iter(self._fh))
        self._reader = csv.reader(self._tap, strict=True)
        try:
            self.width, self.positions = self._check_header(ignore_extra_columns)
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        self._fh.close()

    def __enter__(self) -> CsvFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _check_header(self, ignore_extra: bool) -> tuple[int, dict[str, int]]:
        name = self.name
        try:
            header = next(self._reader)
        except StopIteration:
            raise FileImportError(f"{name}: the file is empty (a header row is required)") from None
        except (csv.Error, UnicodeDecodeError, ValueError) as exc:
            raise FileImportError(f"{name} line 1: unreadable header ({exc})") from None
        self._tap.take()
        required = self.spec.required
        if len(header) == 1 and len(required) > 1:
            for delimiter, label in ((";", "semicolon"), ("\t", "tab"), ("|", "pipe")):
                if delimiter in header[0]:
                    raise FileImportError(
                        f"{name}: the header is a single column; the file looks {label}-separated, "
                        "but only comma-separated files are supported"
                    )
        # Headers match case-insensitively and ignore surrounding spaces (values never do).
        normalised = [h.strip().lower() for h in header]
        duplicates = sorted(h or "<unnamed>" for h, n in Counter(normalised).items() if n > 1)
        if duplicates:
            raise FileImportError(f"{name}: duplicate column(s) in the header: {', '.join(duplicates)}")
        positions = {h: i for i, h in enumerate(normalised)}
        missing = [c.name for c in required if c.name.lower() not in positions]
        if missing:
            expected = ", ".join(c.name for c in required)
            raise FileImportError(
                f"{name}: missing required column(s): {', '.join(missing)} (expected columns: {expected})"
            )
        known = {c.name.lower() for c in self.spec.columns}
        extra = [
            header[i].strip() or f"<unnamed column {i + 1}>"
            for i, h in enumerate(normalised)
            if h not in known
        ]
        if extra and not ignore_extra:
            raise FileImportError(
                f"{name}: unknown column(s): {', '.join(extra)}; the contract allows only "
                f"{', '.join(c.name for c in self.spec.columns)} (or pass --ignore-extra-columns)"
            )
        return len(header), {c.name: positions[c.name.lower()] for c in required}

    def records(self) -> Iterator[Record]:
        """Records in file order (blank lines skipped); structural problems end the file."""
        start = self._reader.line_num + 1
        while True:
            try:
                fields = next(self._reader)
            except StopIteration:
                return
            except csv.Error as exc:
                raw = self._tap.take()
                if "unexpected end of data" in str(exc):
                    raise FileImportError(
                        f"{self.name} line {start}: a quoted field is never closed "
                        "(it runs to the end of the file)"
                    ) from None
                yield Record(start, raw, [], error=f"malformed CSV ({exc})")
                start = self._reader.line_num + 1
                continue
            except UnicodeDecodeError:
                raise FileImportError(
                    f"{self.name} near line {self._reader.line_num + 1}: not valid UTF-8 (export it as UTF-8)"
                ) from None
            except ValueError as exc:
                raise FileImportError(f"{self.name} line {self._reader.line_num + 1}: {exc}") from None
            raw = self._tap.take()
            line, start = start, self._reader.line_num + 1
            if fields:  # blank lines are not records
                yield Record(line, raw, fields)


def scan_file(path: Path) -> tuple[str, str | None]:
    """SHA-256 of the file's bytes, and why it cannot be imported (not UTF-8, NUL bytes) or None.

    Runs before anything is loaded, so a broken file is refused without touching the warehouse.
    """
    digest = hashlib.sha256()
    decoder = codecs.getincrementaldecoder("utf-8")()
    error: str | None = None
    lines = 0
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
            if error is None:
                nul = chunk.find(b"\0")
                if nul >= 0:
                    line = lines + chunk.count(b"\n", 0, nul) + 1
                    error = f"{path.name} line {line}: contains a NUL byte (binary data is not a CSV export)"
                else:
                    pending = len(decoder.getstate()[0])
                    try:
                        decoder.decode(chunk)
                    except UnicodeDecodeError as exc:
                        line = lines + chunk.count(b"\n", 0, max(exc.start - pending, 0)) + 1
                        error = f"{path.name} line {line}: not valid UTF-8 (export the file as UTF-8)"
            lines += chunk.count(b"\n")
    if error is None:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            error = f"{path.name}: not valid UTF-8 at the end of the file (export the file as UTF-8)"
    return digest.hexdigest(), error


# --------------------------------------------------------------------------------------------------------
# Planning: find the files, pick the format, derive the batch id. No database access.


@dataclass
class ImportPlan:
    path: Path
    format: Format
    batch_id: str
    files: dict[str, Path]  # recognised file name -> path, in the format's order
    unknown: list[Path]
    scan_errors: dict[str, str]

    @property
    def source_system(self) -> str:
        return f"{SOURCE_SYSTEM_PREFIX}:{self.format.name}"

    @property
    def absent(self) -> list[str]:
        if not self.format.file_set:
            return []
        return [n for n in self.format.file_names if n not in self.files]


def _csv_files(path: Path) -> list[Path]:
    if not path.exists():
        raise ImportArgumentError(f"{path}: no such file or directory")
    if path.is_file():
        return [path]
    if not path.is_dir():
        raise ImportArgumentError(f"{path}: not a file or directory")
    files = sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() == ".csv")
    if not files:
        raise ImportArgumentError(f"{path}: no .csv files found")
    return files


def _header_fits(path: Path, spec: SourceFile) -> bool:
    try:
        with CsvFile(path, spec, ignore_extra_columns=True):
            return True
    except (FileImportError, OSError):
        return False


# ---- File name matching (issue 20): a file is recognised by its exact name, else case-insensitively, else
# ---- by ending in `_<name>` or `-<name>` (a public copy of the attribution exercise ships
# ---- `de_hw_marketing_data.csv`); the longest expected name that fits wins; two files for one name fail.
def match_file_name(file_name: str, expected: Sequence[str]) -> str | None:
    """The expected file name ``file_name`` stands for, or None."""
    if file_name in expected:
        return file_name
    lowered = file_name.lower()
    for name in expected:
        if lowered == name.lower():
            return name
    suffixed = [n for n in expected if lowered.endswith(("_" + n.lower(), "-" + n.lower()))]
    return max(suffixed, key=len) if suffixed else None


def _by_expected_name(files: list[Path], expected: Sequence[str]) -> dict[str, Path]:
    """Expected file name -> the file standing for it (exact names first); refuses two files for one name."""
    matched: dict[str, Path] = {}
    for path in sorted(files, key=lambda p: p.name not in expected):
        name = match_file_name(path.name, expected)
        if name is None:
            continue
        if name in matched:
            raise ImportArgumentError(
                f"two files stand for {name}: {matched[name].name} and {path.name}; keep one or rename"
            )
        matched[name] = path
    return matched


# ---- end of file name matching


def detect_format(files: list[Path]) -> Format:
    """The format whose file names cover the most files; ties are broken by the headers, else refused."""
    names = {p.name: p for p in files}
    scores = {
        f.name: sum(match_file_name(n, f.file_names) is not None for n in names) for f in FORMATS.values()
    }
    best = max(scores.values())
    if best == 0:
        expected = "; ".join(f"{f.name}: {', '.join(f.file_names)}" for f in FORMATS.values())
        raise ImportArgumentError(
            f"cannot tell the format: no file name matches one ({', '.join(sorted(names))}). "
            f"Expected file names per format: {expected}"
        )
    candidates = [FORMATS[n] for n, s in scores.items() if s == best]
    if len(candidates) > 1:
        fitting = [
            f
            for f in candidates
            if all(
                _header_fits(names[n], f.file(match_file_name(n, f.file_names)))
                for n in names
                if match_file_name(n, f.file_names) is not None
            )
        ]
        candidates = fitting if len(fitting) == 1 else candidates
    if len(candidates) > 1:
        raise ImportArgumentError(
            f"ambiguous format: the files match {', '.join(f.name for f in candidates)}; pass --format"
        )
    return candidates[0]


def default_batch_id(fmt: Format, digests: dict[str, str]) -> str:
    """Same format and same file contents => same batch id, so importing the same export twice replaces it."""
    digest = hashlib.sha256(fmt.name.encode())
    for name in sorted(digests):
        digest.update(f"\0{name}\0{digests[name]}".encode())
    return f"{SOURCE_SYSTEM_PREFIX}-{fmt.name}-{digest.hexdigest()[:16]}"


def plan_import(path: Path, *, format: str | None = None, batch_id: str | None = None) -> ImportPlan:
    path = Path(path)
    if format is not None and format not in FORMATS:
        raise ImportArgumentError(f"unknown format {format!r}; choose one of {', '.join(FORMATS)}")
    if batch_id is not None and not batch_id.strip():
        raise ImportArgumentError("--batch-id must not be empty")
    files = _csv_files(path)
    fmt = FORMATS[format] if format else detect_format(files)
    by_name = _by_expected_name(files, fmt.file_names)
    recognised = {n: by_name[n] for n in fmt.file_names if n in by_name}
    unknown = [p for p in files if p not in recognised.values()]
    if not recognised:
        raise ImportArgumentError(
            f"{path}: none of the files is a {fmt.name} file; expected names: {', '.join(fmt.file_names)}"
        )
    digests: dict[str, str] = {}
    scan_errors: dict[str, str] = {}
    for name, file_path in recognised.items():
        digests[name], error = scan_file(file_path)
        if error:
            scan_errors[name] = error
    return ImportPlan(
        path=path,
        format=fmt,
        batch_id=batch_id or default_batch_id(fmt, digests),
        files=recognised,
        unknown=unknown,
        scan_errors=scan_errors,
    )


# --------------------------------------------------------------------------------------------------------
# Running: parse, load good rows, record rejects.


@dataclass
class FileResult:
    file: str
    table: str | None
    batch_id: str
    loaded: int = 0
    rejected: int = 0
    error: str | None = None
    examples: list[str] = field(default_factory=list)  # the first few reject reasons


@dataclass
class ImportResult:
    format: str
    batch_id: str
    source_system: str
    dry_run: bool
    files: list[FileResult] = field(default_factory=list)
    absent: list[str] = field(default_factory=list)
    # Files recognised under another name (prefix or case): actual file name -> the expected name.
    renamed: dict[str, str] = field(default_factory=dict)

    @property
    def loaded(self) -> int:
        return sum(f.loaded for f in self.files)

    @property
    def rejected(self) -> int:
        return sum(f.rejected for f in self.files)

    @property
    def errors(self) -> list[str]:
        return list(dict.fromkeys(f.error for f in self.files if f.error))

    @property
    def exit_code(self) -> int:
        """0: everything loaded; 1: some rows rejected (the rest loaded); 2: some file refused."""
        if self.errors:
            return 2
        return 1 if self.rejected else 0


class _Rejects:
    """Rejected rows of one (file, table) pass, spooled to disk so a mostly bad 1 GB file fits."""

    def __init__(self) -> None:
        # Closed by close(): the spool lives across the load and the rejects COPY.
        self._spool = tempfile.SpooledTemporaryFile(max_size=8 << 20, mode="w+", encoding="utf-8")  # noqa: SIM115
        self.count = 0
        self.examples: list[str] = []

    def add(self, line: int, column: str | None, raw: str, reason: str) -> None:
        self._spool.write(json.dumps([line, column, raw, reason]) + "\n")
        self.count += 1
        if len(self.examples) < MAX_EXAMPLES:
            self.examples.append(reason)

    def __iter__(self) -> Iterator[list]:
        self._spool.seek(0)
        for text in self._spool:
            yield json.loads(text)

    def close(self) -> None:
        self._spool.close()


def _parse_record(
    record: Record, csv_file: CsvFile, target: Target
) -> tuple[dict[str, Any] | None, str | None, str | None]:
    """(parsed row, None, None) or (None, first bad column, reason)."""
    where = f"{csv_file.name} line {record.line}"
    fields = record.fields
    if record.error:
        return None, None, f"{where}: {record.error}"
    if len(fields) != csv_file.width:
        return None, None, f"{where}: expected {csv_file.width} fields, found {len(fields)}"
    row: dict[str, Any] = {}
    problems: list[tuple[str, str]] = []
    for column in csv_file.spec.required:
        raw = fields[csv_file.positions[column.name]]
        try:
            row[column.name] = parse_value(raw, column.pg_type)
        except ValueError as exc:
            detail = f" ({exc})" if str(exc) else ""
            problems.append((column.name, f"cannot parse {_short(raw)!r} as {column.pg_type}{detail}"))
    bad = {name for name, _ in problems}
    problems += [(k, "key column is empty") for k in target.keys if k not in bad and row.get(k) is None]
    if problems:
        reason = "; ".join(f"column {name}: {message}" for name, message in problems)
        return None, problems[0][0], f"{where}, {reason}"
    return row, None, None


def _file_rows(
    csv_file: CsvFile, target: Target, rejects: _Rejects, observe: Callable[[dict, int], None] | None
) -> Iterator[tuple]:
    for record in csv_file.records():
        row, column, reason = _parse_record(record, csv_file, target)
        if row is None:
            rejects.add(record.line, column, record.raw, reason or "rejected")
            continue
        if observe is not None:
            observe(row, record.line)
        yield target.build(row)


def ensure_rejects_table(conn: psycopg.Connection) -> None:
    with conn.transaction():
        conn.execute(REJECTS_DDL)
        conn.execute(REJECTS_INDEX)


def _write_rejects(
    conn: psycopg.Connection,
    batch_id: str,
    table: BronzeTable,
    source_file: str,
    rejects: _Rejects,
    rejected_at: datetime,
) -> None:
    conn.execute(
        sql.SQL("DELETE FROM {} WHERE batch_id = %s AND table_name = %s").format(REJECTS),
        (batch_id, table.name),
    )
    if not rejects.count:
        return
    copy_sql = sql.SQL("COPY {} ({}) FROM STDIN (FORMAT BINARY)").format(
        REJECTS, sql.SQL(", ").join(map(sql.Identifier, REJECT_COLUMNS))
    )
    with conn.cursor() as cur, cur.copy(copy_sql) as copy:
        copy.set_types(list(REJECT_TYPES))
        for line, column, raw, reason in rejects:
            copy.write_row((batch_id, table.name, source_file, line, column, raw, reason, rejected_at))


class _Runner:
    def __init__(
        self,
        plan: ImportPlan,
        conn: psycopg.Connection | None,
        *,
        dry_run: bool,
        ignore_extra_columns: bool,
    ) -> None:
        self.plan = plan
        self.conn = conn
        self.dry_run = dry_run
        self.ignore_extra = ignore_extra_columns
        self.loaded_at = datetime.now(UTC)
        self.state: dict[str, dict] = {}  # per-file observations for derived tables

    def _load(self, table: BronzeTable, rows: Iterable[tuple], source_file: str, rejects: _Rejects) -> int:
        """Load one (batch, table): rows, ledger entry and rejects commit or roll back together."""
        if self.dry_run or self.conn is None:
            return sum(1 for _ in rows)
        with self.conn.transaction():
            count = load_batch(
                self.conn,
                table,
                rows,
                self.plan.batch_id,
                source_system=self.plan.source_system,
                source_file=source_file,
                loaded_at=self.loaded_at,
            )
            _write_rejects(self.conn, self.plan.batch_id, table, source_file, rejects, self.loaded_at)
        return count

    def run_file(self, spec: SourceFile, path: Path) -> list[FileResult]:
        batch = self.plan.batch_id
        results = [FileResult(spec.name, t.table.name, batch) for t in spec.targets]
        error = self.plan.scan_errors.get(spec.name)
        for index, (target, result) in enumerate(zip(spec.targets, results, strict=True)):
            if error:
                result.error = error
                continue
            observe = None
            if index == 0 and spec.observe is not None:
                bucket = self.state.setdefault(spec.name, {})

                def observe(row: dict, line: int, _bucket: dict = bucket, _spec: SourceFile = spec) -> None:
                    _spec.observe(row, line, _bucket)

            rejects = _Rejects()
            try:
                with CsvFile(path, spec, ignore_extra_columns=self.ignore_extra) as csv_file:
                    result.loaded = self._load(
                        target.table, _file_rows(csv_file, target, rejects, observe), spec.name, rejects
                    )
                result.rejected, result.examples = rejects.count, rejects.examples
            except (FileImportError, OSError, psycopg.DataError) as exc:
                # Nothing of this file was committed; later targets of the same file fail the same way.
                error = str(exc) if isinstance(exc, FileImportError) else f"{spec.name}: {exc}"
                result.error = error
                self.state.pop(spec.name, None)
            finally:
                rejects.close()
        return results

    def run_derived(self, derived: DerivedTarget) -> FileResult | None:
        used = [s for s in derived.sources if s in self.state]
        if not used:
            return None
        label = "+".join(used)
        result = FileResult(label, derived.target.table.name, self.plan.batch_id)
        rows = (derived.target.build(row) for row in derived.rows(self.state))
        rejects = _Rejects()
        try:
            result.loaded = self._load(derived.target.table, rows, label, rejects)
        finally:
            rejects.close()
        return result


def execute(
    plan: ImportPlan,
    conn: psycopg.Connection | None,
    *,
    dry_run: bool = False,
    ignore_extra_columns: bool = False,
) -> ImportResult:
    """Run a plan. With ``dry_run`` (or no connection) everything is parsed and counted, nothing written."""
    dry_run = dry_run or conn is None
    result = ImportResult(
        format=plan.format.name,
        batch_id=plan.batch_id,
        source_system=plan.source_system,
        dry_run=dry_run,
        absent=plan.absent,
        renamed={path.name: name for name, path in plan.files.items() if path.name != name},
    )
    if not dry_run:
        ensure_bronze(conn)
        ensure_rejects_table(conn)
    runner = _Runner(plan, conn, dry_run=dry_run, ignore_extra_columns=ignore_extra_columns)
    for spec in plan.format.files:
        if spec.name in plan.files:
            result.files.extend(runner.run_file(spec, plan.files[spec.name]))
    for derived in plan.format.derived:
        derived_result = runner.run_derived(derived)
        if derived_result is not None:
            result.files.append(derived_result)
    valid = ", ".join(plan.format.file_names)
    for path in plan.unknown:
        message = f"{path.name}: not a {plan.format.name} file name; valid names: {valid}"
        result.files.append(FileResult(path.name, None, plan.batch_id, error=message))
    return result


def import_path(
    conn: psycopg.Connection | None,
    path: Path,
    *,
    format: str | None = None,
    batch_id: str | None = None,
    dry_run: bool = False,
    ignore_extra_columns: bool = False,
) -> ImportResult:
    """Plan and run an import of a folder (or one file) of CSV exports."""
    plan = plan_import(path, format=format, batch_id=batch_id)
    return execute(plan, conn, dry_run=dry_run, ignore_extra_columns=ignore_extra_columns)


def delete_batch(conn: psycopg.Connection, batch_id: str) -> int:
    """Remove everything an import batch wrote (rows, ledger entries, rejects); returns rows deleted."""
    deleted = 0
    with conn.transaction():
        for table in ALL_TABLES:
            cur = conn.execute(
                sql.SQL("DELETE FROM {} WHERE _batch_id = %s AND _source_system LIKE %s").format(
                    table.identifier
                ),
                (batch_id, f"{SOURCE_SYSTEM_PREFIX}:%"),
            )
            deleted += cur.rowcount
        conn.execute(
            sql.SQL("DELETE FROM {} WHERE batch_id = %s AND source_system LIKE %s").format(
                sql.Identifier(BRONZE_SCHEMA, "_load_batches")
            ),
            (batch_id, f"{SOURCE_SYSTEM_PREFIX}:%"),
        )
        conn.execute(sql.SQL("DELETE FROM {} WHERE batch_id = %s").format(REJECTS), (batch_id,))
    return deleted


# --------------------------------------------------------------------------------------------------------
# Documentation: the generated parts of docs/IMPORT.md.


def contract_markdown() -> str:
    """The native column contract, one section per bronze table."""
    out = []
    for table in ALL_TABLES:
        out.append(f"### `{table.name}.csv` → `bronze.{table.name}`\n")
        out.append(f"{table.description} Key: `{table.key}`.\n")
        out.append("| column | type | description |")
        out.append("| --- | --- | --- |")
        out += [f"| `{c.name}` | {c.pg_type} | {_cell(c.description)} |" for c in table.columns]
        out.append("")
    return "\n".join(out)


def _cell(text: str) -> str:
    # A pipe ends a table cell even inside backticks.
    return text.replace("|", "\\|")


def _target_markdown(target: Target, heading: str) -> list[str]:
    out = [heading, "", "| bronze column | value |", "| --- | --- |"]
    for column in target.table.column_names:
        value = target.fields[column].doc if column in target.fields else "NULL"
        out.append(f"| `{column}` | {_cell(value)} |")
    out.append("")
    return out


def mapping_markdown(format_name: str) -> str:
    """Source columns and the bronze column mapping of one non-native format."""
    fmt = FORMATS[format_name]
    out: list[str] = []
    for spec in fmt.files:
        out += [f"### `{spec.name}`", "", "| column | parsed as | note |", "| --- | --- | --- |"]
        keys = {k for t in spec.targets for k in t.keys}
        for c in spec.columns:
            notes = [
                n for n in (c.note, "key: rows where it is empty are rejected" if c.name in keys else "") if n
            ]
            out.append(f"| `{c.name}` | {'-' if c.ignored else c.pg_type} | {_cell('; '.join(notes))} |")
        out.append("")
        for target in spec.targets:
            out += _target_markdown(target, f"`{spec.name}` → `bronze.{target.table.name}`:")
    for derived in fmt.derived:
        sources = " and ".join(f"`{s}`" for s in derived.sources)
        out += _target_markdown(
            derived.target, f"### `bronze.{derived.target.table.name}` (derived from {sources})"
        )
    return "\n".join(out)


def generated_sections() -> dict[str, str]:
    return {"contract": contract_markdown(), **{f: mapping_markdown(f) for f in FORMATS if f != "native"}}


def render_docs(text: str) -> str:
    """``text`` with every ``<!-- BEGIN GENERATED: name -->`` ... ``END`` block replaced by its output."""
    for name, body in generated_sections().items():
        begin, end = f"<!-- BEGIN GENERATED: {name} -->", f"<!-- END GENERATED: {name} -->"
        pattern = re.compile(re.escape(begin) + r".*?" + re.escape(end), re.DOTALL)
        if not pattern.search(text):
            raise ValueError(f"{DOCS_PATH.name} lacks the markers for the generated section {name!r}")
        text = pattern.sub(lambda _m, b=begin, e=end, body=body: f"{b}\n{body}\n{e}", text)
    return text


if __name__ == "__main__":  # regenerate docs/IMPORT.md: python -m gtm.sources.importer
    DOCS_PATH.write_text(render_docs(DOCS_PATH.read_text()))
