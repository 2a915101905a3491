"""Synthetic source systems and their load into bronze."""

from __future__ import annotations

import psycopg

from gtm.bronze import CRM_ACCOUNTS, CRM_LEADS
from gtm.generators.config import GENERATOR_SOURCE, GeneratorConfig
from gtm.generators.crm import generate_crm
from gtm.loader import delete_source_rows, ensure_bronze, load_batch

__all__ = ["GeneratorConfig", "generate_history"]


def generate_history(conn: psycopg.Connection, cfg: GeneratorConfig) -> dict[str, int]:
    """Replace the generated history in bronze with the world ``cfg`` describes; returns rows per table.

    Rows from other sources (CSV imports) are left untouched.
    """
    world = generate_crm(cfg)
    ensure_bronze(conn)
    counts: dict[str, int] = {}
    for table, rows in ((CRM_ACCOUNTS, world.accounts), (CRM_LEADS, world.leads)):
        delete_source_rows(conn, table, GENERATOR_SOURCE)
        counts[table.name] = load_batch(conn, table, rows, cfg.batch_id, source_system=GENERATOR_SOURCE)
    return counts
