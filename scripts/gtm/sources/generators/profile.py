"""The generator profile: every calibration knob, from profile.toml plus an optional partial override.

The plan catalogue (the price book) is not a knob: it is read from the dbt seed ``plans.csv``, the one
source dim_plan is also built from, and lands in ``profile["plans"]`` as lists in tier order.
"""

from __future__ import annotations

import copy
import csv
import hashlib
import json
import tomllib
from pathlib import Path
from typing import Any

from gtm.settings import DBT_PROJECT_DIR

DEFAULT_PROFILE_PATH = Path(__file__).with_name("profile.toml")
PLAN_CATALOGUE_PATH = DBT_PROJECT_DIR / "seeds" / "plans.csv"
# Keys whose value is a whole choice (a segment's plan mix), replaced by an override rather than merged.
_REPLACED_WHOLE = ("plans.mix.",)


def _merge(base: dict, override: dict, path: str = "") -> dict:
    for key, value in override.items():
        where = f"{path}.{key}" if path else key
        if key not in base:
            hint = " (the price book is dbt/seeds/plans.csv)" if path == "plans" else ""
            raise ValueError(f"unknown profile key {where!r}{hint}")
        if isinstance(base[key], dict) and isinstance(value, dict) and not where.startswith(_REPLACED_WHOLE):
            _merge(base[key], value, where)
        else:
            base[key] = value
    return base


def load_profile(override_path: Path | None = None) -> dict[str, Any]:
    profile = tomllib.loads(DEFAULT_PROFILE_PATH.read_text())
    if override_path is not None:
        profile = _merge(copy.deepcopy(profile), tomllib.loads(Path(override_path).read_text()))
    _attach_plan_catalogue(profile["plans"], load_plan_catalogue())
    return _normalise(profile)


def load_plan_catalogue(path: Path | None = None) -> list[dict[str, Any]]:
    """The price book, one dict per plan in tier order (entry plan first)."""
    path = path or PLAN_CATALOGUE_PATH
    with path.open(newline="") as f:
        rows = list(csv.DictReader(f))
    if not rows:
        raise ValueError(f"the plan catalogue {path} has no plans")
    try:
        return [
            {
                "name": r["plan_name"],
                "list_mrr": float(r["list_mrr_amount"]),
                "included_tokens_monthly": int(r["included_tokens_monthly"]),
                "overage_price_per_1k": float(r["overage_price_per_1k_tokens_amount"]),
            }
            for r in sorted(rows, key=lambda r: int(r["plan_tier"]))
        ]
    except (KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"the plan catalogue {path} is not readable as a price book: {exc!r}") from None


def _attach_plan_catalogue(plans: dict[str, Any], catalogue: list[dict[str, Any]]) -> None:
    """Lists indexed like the catalogue, and each segment's mix by name turned into weights in that order."""
    names = [p["name"] for p in catalogue]
    for key in ("list_mrr", "included_tokens_monthly", "overage_price_per_1k"):
        plans[key] = [p[key] for p in catalogue]
    plans["names"] = names
    for segment, by_name in plans["mix"].items():
        unknown = sorted(set(by_name) - set(names))
        if unknown:
            raise ValueError(
                f"plans.mix.{segment} names {', '.join(unknown)}, not in the price book ({', '.join(names)})"
            )
        plans["mix"][segment] = [float(by_name.get(name, 0.0)) for name in names]


def _normalise(node):
    """Weight lists are probabilities: rescale them to sum to 1 so edited profiles stay valid."""
    if isinstance(node, dict):
        for key, value in node.items():
            if (
                key.endswith("_weights")
                and isinstance(value, list)
                and value
                and not isinstance(value[0], list)
            ):
                total = float(sum(value))
                if total <= 0:
                    raise ValueError(f"profile weights {key!r} must sum to a positive number")
                node[key] = [v / total for v in value]
            elif key in ("mix", "term_weights") and isinstance(value, dict):
                node[key] = {k: [x / float(sum(v)) for x in v] for k, v in value.items()}
            else:
                _normalise(value)
    return node


def profile_hash(profile: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(profile, sort_keys=True).encode()).hexdigest()[:12]
