"""Staging as the gate for a user's own data: contact details typed into free-text columns are masked
before any mart, and dates no business event can have are quarantined with a reason."""

from __future__ import annotations

from datetime import UTC, datetime

import psycopg
import pytest
from psycopg import sql

from conftest import fresh_database
from test_security import EMAIL, PHONE

pytestmark = pytest.mark.slow


def test_contact_details_in_an_account_name_never_reach_a_mart_and_impossible_dates_are_quarantined(
    warehouse,
):
    from gtm.transform.dbt_runner import run_dbt
    from gtm.warehouse.bronze import CRM_ACCOUNTS
    from gtm.warehouse.loader import ensure_bronze, load_batch

    settings = fresh_database(warehouse, "gtm_staging_hygiene")
    created = datetime(2025, 3, 1, tzinfo=UTC)
    far_future = datetime(9999, 12, 31, tzinfo=UTC)  # Python stops at 9999; Postgres would take 10000 too
    ancient = datetime(1, 1, 1, tzinfo=UTC)

    def account(account_id: str, name: str, created_at: datetime, updated_at: datetime) -> tuple:
        return (
            account_id,
            name,
            "Software",
            "SMB",
            50,
            "1-199",
            "EMEA",
            "DE",
            None,
            "Prospect",
            created_at,
            updated_at,
        )

    rows = [
        account("A-PII", "Jane Doe jane.doe@example.com +1 (555) 123-4567", created, created),
        account("A-PHONE", "Acme (555) 987-6543 GmbH", created, created),
        account("A-FUTURE", "Far Future Inc", created, far_future),
        account("A-ANCIENT", "Ancient Ltd", ancient, created),
        account("A-CLEAN", "Plain Company", created, created),
    ]
    with psycopg.connect(settings.url(), autocommit=True) as conn:
        ensure_bronze(conn)
        load_batch(conn, CRM_ACCOUNTS, iter(rows), "hygiene-1")

    # Seeds, snapshots and models upstream of the two (tests excluded: five accounts fail volume tests).
    result = run_dbt(
        ["build", "-s", "+dim_account +dq_rejected_rows", "--exclude-resource-type", "test", "unit_test"],
        target="prod",
        settings=settings,
    )
    assert result.success

    with psycopg.connect(settings.url(), autocommit=True) as conn:
        names = dict(conn.execute("select account_id, account_name from marts.dim_account").fetchall())
        assert names == {
            "A-PII": "Jane Doe [email] [phone]",
            "A-PHONE": "Acme [phone] GmbH",
            "A-CLEAN": "Plain Company",
        }
        quarantined = conn.execute(
            "select record_key, reason_code, reason_column from staging.dq_rejected_rows "
            "where source_table = 'crm_accounts' order by 1"
        ).fetchall()
        assert quarantined == [
            ("A-ANCIENT", "implausible_date", "created_at"),
            ("A-FUTURE", "implausible_date", "updated_at"),
        ]
        # The security scan of every mart text column, on this database: no email, no phone, even inside text.
        columns = conn.execute(
            "select table_name, column_name from information_schema.columns "
            "where table_schema = 'marts' and data_type in ('text', 'character varying')"
        ).fetchall()
        leaks = []
        for table, column in columns:
            query = sql.SQL("select {c} from {t} where {c} ~ %(email)s or {c} ~ %(phone)s limit 1").format(
                c=sql.Identifier(column), t=sql.Identifier("marts", table)
            )
            row = conn.execute(query, {"email": EMAIL, "phone": PHONE}).fetchone()
            if row:
                leaks.append(f"marts.{table}.{column}: {row[0]!r}")
        assert leaks == []
