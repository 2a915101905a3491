"""Columnar building blocks shared by the generators: time helpers, seeded RNG streams and frames.

A frame holds one bronze table's rows as numpy columns plus ``version_us``: the moment each row version
became visible in the source system. A load window (history up to the as-of date, or one day for an
increment) is a filter on ``version_us``, which is what makes increments continue the same world.
"""

from __future__ import annotations

import zlib
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import numpy as np

from gtm.warehouse.bronze import TABLES, BronzeTable

US_PER_SECOND = 1_000_000
US_PER_MINUTE = 60 * US_PER_SECOND
US_PER_HOUR = 60 * US_PER_MINUTE
US_PER_DAY = 24 * US_PER_HOUR
NULL_TS = np.iinfo(np.int64).min
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

# Stream ids are part of the seed: never renumber them, or every seed's data changes.
STREAMS = {
    "users": 1,
    "leads": 2,
    "opportunities": 3,
    "installed_base": 4,
    "lifecycle": 5,
    "incidents": 6,
    "events": 7,
    "tickets": 8,
    "surveys": 9,
    "spend": 10,
    "names": 11,
    "invoices": 12,
}


def rng_for(seed: int, stream: str, *keys: int) -> np.random.Generator:
    """An independent, reproducible stream per (seed, purpose, month/day/entity)."""
    return np.random.default_rng([seed, STREAMS[stream], *[int(k) + 1_000_000 for k in keys]])


def to_us(value: date | datetime) -> int:
    if isinstance(value, datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=UTC)
    else:
        moment = datetime(value.year, value.month, value.day, tzinfo=UTC)
    return (moment - EPOCH) // timedelta(microseconds=1)


def us_to_date(us: int) -> date:
    return (EPOCH + timedelta(microseconds=int(us))).date()


def month_start(value: date, offset: int = 0) -> date:
    index = value.year * 12 + value.month - 1 + offset
    return date(index // 12, index % 12 + 1, 1)


def months_between(start: date, end: date) -> int:
    """Whole months from start's month to end's month (0 when the same month)."""
    return (end.year - start.year) * 12 + end.month - start.month


def stable_hash(text: str) -> int:
    return zlib.crc32(text.encode())


@dataclass
class FrameParts:
    """Accumulates column chunks per table; concatenated once at the end."""

    parts: dict[str, list[tuple[dict[str, np.ndarray], np.ndarray]]] = field(
        default_factory=lambda: defaultdict(list)
    )

    def add(self, table: str, version_us, **columns) -> None:
        version = np.asarray(version_us, dtype=np.int64)
        n = len(version)
        cols = {}
        for name, values in columns.items():
            arr = np.asarray(values) if not np.isscalar(values) and values is not None else None
            if arr is None or arr.ndim == 0:
                arr = np.full(n, values, dtype=object)
            if len(arr) != n:
                raise ValueError(f"{table}.{name}: {len(arr)} values for {n} rows")
            cols[name] = arr
        self.parts[table].append((cols, version))

    def frame(self, table: str) -> Frame:
        spec = TABLES[table]
        chunks = self.parts.get(table, [])
        if not chunks:
            return Frame(
                spec, {c: np.empty(0, dtype=object) for c in spec.column_names}, np.empty(0, np.int64)
            )
        columns = {}
        for name in spec.column_names:
            pieces = []
            for cols, version in chunks:
                pieces.append(cols[name] if name in cols else np.full(len(version), None, dtype=object))
            columns[name] = _concat(pieces)
        version = np.concatenate([v for _, v in chunks])
        return Frame(spec, columns, version)


def _concat(pieces: list[np.ndarray]) -> np.ndarray:
    kinds = {p.dtype.kind for p in pieces}
    if len(kinds) == 1 and kinds <= {"i", "f", "b"}:
        return np.concatenate(pieces)
    return np.concatenate([p.astype(object) for p in pieces])


@dataclass
class Frame:
    table: BronzeTable
    columns: dict[str, np.ndarray]
    version_us: np.ndarray

    def __len__(self) -> int:
        return len(self.version_us)

    def select(self, mask: np.ndarray) -> Frame:
        return Frame(self.table, {k: v[mask] for k, v in self.columns.items()}, self.version_us[mask])

    def window(self, lo_us: int, hi_us: int) -> Frame:
        """Row versions that became visible in [lo_us, hi_us)."""
        return self.select((self.version_us >= lo_us) & (self.version_us < hi_us))

    def rows(self) -> list[tuple]:
        converted = [_convert(self.columns[c.name], c.pg_type) for c in self.table.columns]
        return list(zip(*converted, strict=True)) if converted else []


def _nullable_ints(values: np.ndarray) -> list:
    """int64 column with the NULL_TS sentinel (or an object column of ints/None) -> ints and None."""
    if values.dtype == object:
        return [None if v is None or v == NULL_TS else int(v) for v in values.tolist()]
    out = values.astype(np.int64).tolist()
    nulls = values == NULL_TS
    if nulls.any():
        for i in np.flatnonzero(nulls).tolist():
            out[i] = None
    return out


def _convert(values: np.ndarray, pg_type: str) -> list:
    """numpy column -> values for binary COPY. Times stay ints (loader.load_batch(raw_time=True))."""
    if pg_type == "timestamptz":
        return _nullable_ints(values)
    if pg_type == "date":
        days = _nullable_ints(values)
        return [None if d is None else d // US_PER_DAY for d in days]
    if pg_type == "numeric":
        return [None if v is None or v != v else Decimal(f"{v:.4f}") for v in values.tolist()]
    if pg_type in ("integer", "bigint", "smallint"):
        if values.dtype == object:
            return [None if v is None else int(v) for v in values.tolist()]
        return values.astype(np.int64).tolist()
    if pg_type == "boolean":
        if values.dtype == bool:
            return values.tolist()
        return [None if v is None else bool(v) for v in values.tolist()]
    if values.dtype == object:
        return [None if v is None else str(v) for v in values.tolist()]
    return values.astype(str).tolist()


def fmt_ts_text(us: np.ndarray) -> np.ndarray:
    """Timestamps as the CRM exports them in text columns: 'YYYY-MM-DD HH:MM:SS' (UTC), '' when null."""
    values = us.astype(np.int64)
    nulls = values == NULL_TS
    text = np.datetime_as_string(np.where(nulls, 0, values // US_PER_SECOND).astype("datetime64[s]"))
    text = np.char.replace(text, "T", " ")
    return np.where(nulls, None, text).astype(object)


def fmt_date_text(us: np.ndarray) -> np.ndarray:
    values = us.astype(np.int64)
    nulls = values == NULL_TS
    text = np.datetime_as_string(np.where(nulls, 0, values // US_PER_DAY).astype("datetime64[D]"))
    return np.where(nulls, None, text).astype(object)


def ids(prefix: str, numbers: np.ndarray, width: int) -> np.ndarray:
    if len(numbers) == 0:
        return np.empty(0, dtype=object)
    return np.char.add(prefix, np.char.zfill(numbers.astype(np.int64).astype(str), width)).astype(object)
