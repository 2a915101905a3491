"""Generator settings shared by every source-system generator."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

DEFAULT_AS_OF = date(2026, 6, 30)
DEFAULT_MONTHS = 24
DEFAULT_SEED = 42
GENERATOR_SOURCE = "generator"


@dataclass(frozen=True)
class GeneratorConfig:
    scale: float = 1.0
    seed: int = DEFAULT_SEED
    as_of: date = DEFAULT_AS_OF
    months: int = DEFAULT_MONTHS

    def __post_init__(self) -> None:
        if not (self.scale > 0 and math.isfinite(self.scale)):
            raise ValueError(f"scale must be a finite number > 0 (got {self.scale})")
        if self.months < 1:
            raise ValueError(f"months must be >= 1 (got {self.months})")
        if self.seed < 0:
            raise ValueError(f"seed must be >= 0 (got {self.seed})")

    @property
    def history_start(self) -> date:
        # First day of the month `months` months before the as-of month's successor.
        year, month = self.as_of.year, self.as_of.month - self.months + 1
        while month < 1:
            month += 12
            year -= 1
        return date(year, month, 1)

    @property
    def history_end(self) -> datetime:
        """Exclusive end of the simulated history: midnight after the as-of date."""
        return datetime.combine(self.as_of + timedelta(days=1), time.min)

    @property
    def days(self) -> int:
        return (self.as_of - self.history_start).days + 1

    @property
    def batch_id(self) -> str:
        # Deterministic, so regenerating the same world replaces the same batch instead of adding one.
        return f"history-{self.as_of.isoformat()}-m{self.months}-s{self.scale:g}-r{self.seed}"
