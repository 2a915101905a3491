"""Generator determinism and the shape of the skeleton CRM world."""

from __future__ import annotations

import hashlib

import pytest

from gtm.generators import GeneratorConfig
from gtm.generators.crm import generate_crm


def _checksum(rows: list[tuple]) -> str:
    digest = hashlib.sha256()
    for row in rows:
        digest.update(repr(row).encode())
    return digest.hexdigest()


def test_same_seed_same_rows_and_different_seed_differs():
    cfg = GeneratorConfig(scale=0.02, seed=7, months=6)
    first, second = generate_crm(cfg), generate_crm(cfg)
    other = generate_crm(GeneratorConfig(scale=0.02, seed=8, months=6))
    assert _checksum(first.leads) == _checksum(second.leads)
    assert _checksum(first.accounts) == _checksum(second.accounts)
    assert _checksum(first.leads) != _checksum(other.leads)


def test_volume_and_channel_mix_follow_the_settings():
    cfg = GeneratorConfig(scale=0.1, seed=42, months=12)
    world = generate_crm(cfg)
    assert len(world.leads) == 5400  # 4,500 leads/month x 0.1 x 12 months
    inbound = sum(1 for lead in world.leads if lead[5])  # form submission present
    assert 0.39 < inbound / len(world.leads) < 0.45
    start, end = cfg.history_start, cfg.as_of
    assert all(start <= lead[7].date() <= end for lead in world.leads)
    account_ids = {a[0] for a in world.accounts}
    assert all(lead[1] in account_ids for lead in world.leads)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [({"scale": -1}, "scale must be > 0"), ({"months": 0}, "months must be >= 1"), ({"seed": -3}, "seed")],
)
def test_invalid_settings_are_rejected(kwargs, message):
    with pytest.raises(ValueError, match=message):
        GeneratorConfig(**kwargs)
