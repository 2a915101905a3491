"""The generator profile: every calibration knob, from profile.toml plus an optional partial override."""

from __future__ import annotations

import copy
import hashlib
import json
import tomllib
from pathlib import Path
from typing import Any

DEFAULT_PROFILE_PATH = Path(__file__).with_name("profile.toml")


def _merge(base: dict, override: dict, path: str = "") -> dict:
    for key, value in override.items():
        where = f"{path}.{key}" if path else key
        if key not in base:
            raise ValueError(f"unknown profile key {where!r}")
        if isinstance(base[key], dict) and isinstance(value, dict):
            _merge(base[key], value, where)
        else:
            base[key] = value
    return base


def load_profile(override_path: Path | None = None) -> dict[str, Any]:
    profile = tomllib.loads(DEFAULT_PROFILE_PATH.read_text())
    if override_path is not None:
        profile = _merge(copy.deepcopy(profile), tomllib.loads(Path(override_path).read_text()))
    return _normalise(profile)


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
