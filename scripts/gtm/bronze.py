"""Bronze table contracts: the columns each source object lands with, plus load metadata.

Bronze keeps what the source system sent. Columns that real exports get wrong (dates, money, free-text
statuses) are text so a defect lands verbatim and staging decides how to repair or quarantine it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from psycopg import sql

BRONZE_SCHEMA = "bronze"
LEDGER_TABLE = "_load_batches"

# Every bronze row carries these, filled by the loader (never by a generator or CSV).
METADATA_COLUMNS: tuple[tuple[str, str], ...] = (
    ("_batch_id", "text not null"),
    ("_loaded_at", "timestamptz not null"),
    ("_source_system", "text not null"),
    ("_source_file", "text"),
)


@dataclass(frozen=True)
class Column:
    name: str
    pg_type: str
    description: str = ""


@dataclass(frozen=True)
class BronzeTable:
    name: str
    source_system: str
    key: str
    columns: tuple[Column, ...]
    description: str = ""
    indexes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def identifier(self) -> sql.Composed:
        return sql.Identifier(BRONZE_SCHEMA, self.name)

    def create_sql(self) -> sql.Composed:
        cols = [sql.SQL("{} {}").format(sql.Identifier(c.name), sql.SQL(c.pg_type)) for c in self.columns]
        cols += [sql.SQL("{} {}").format(sql.Identifier(n), sql.SQL(t)) for n, t in METADATA_COLUMNS]
        return sql.SQL("CREATE TABLE IF NOT EXISTS {} ({})").format(self.identifier, sql.SQL(", ").join(cols))


CRM_ACCOUNTS = BronzeTable(
    name="crm_accounts",
    source_system="crm",
    key="account_id",
    description="CRM account records (one version per change, CDC style).",
    columns=(
        Column("account_id", "text", "CRM account id."),
        Column("account_name", "text", "Company name."),
        Column("industry", "text", "Industry as entered in the CRM."),
        Column("segment", "text", "Sales segment: Enterprise, Mid Market, Commercial or SMB."),
        Column("employee_band", "text", "Employee count band."),
        Column("region", "text", "Sales region."),
        Column("created_at", "timestamptz", "When the account was created in the CRM."),
        Column("updated_at", "timestamptz", "When this version of the record was written."),
    ),
)

CRM_LEADS = BronzeTable(
    name="crm_leads",
    source_system="crm",
    key="lead_id",
    description="CRM leads, one version per change; form_submitted_at is set for inbound leads.",
    columns=(
        Column("lead_id", "text", "CRM lead id."),
        Column("account_id", "text", "Account the lead belongs to."),
        Column("email", "text", "Lead email as typed (may need trimming and lower-casing)."),
        Column("lead_source", "text", "Lead source as recorded by marketing/sales ops."),
        Column("status", "text", "Lead status as exported (spellings vary)."),
        Column("form_submitted_at", "text", "Web form submission time as exported text; empty for outbound."),
        Column(
            "predicted_value", "text", "Predicted monthly value as exported text (currency formats vary)."
        ),
        Column("created_at", "timestamptz", "When the lead was created."),
        Column("updated_at", "timestamptz", "When this version of the record was written."),
    ),
)

TABLES: dict[str, BronzeTable] = {t.name: t for t in (CRM_ACCOUNTS, CRM_LEADS)}


def get_table(name: str) -> BronzeTable:
    try:
        return TABLES[name]
    except KeyError:
        known = ", ".join(sorted(TABLES))
        raise KeyError(f"Unknown bronze table {name!r}. Known tables: {known}") from None


LEDGER_DDL = sql.SQL(
    """CREATE TABLE IF NOT EXISTS {} (
        batch_id text not null,
        table_name text not null,
        source_system text not null,
        source_file text,
        row_count bigint not null,
        loaded_at timestamptz not null,
        primary key (batch_id, table_name)
    )"""
).format(sql.Identifier(BRONZE_SCHEMA, LEDGER_TABLE))
