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


def _t(
    name: str, source_system: str, key: str, description: str, *columns: tuple[str, str, str]
) -> BronzeTable:
    return BronzeTable(
        name=name,
        source_system=source_system,
        key=key,
        description=description,
        columns=tuple(Column(*c) for c in columns),
    )


TS = "timestamptz"
# Text on purpose: exports get these wrong (years like 0024, other time zones, local currency formats).
RAW = "text"

CRM_USERS = _t(
    "crm_users",
    "crm",
    "user_id",
    "CRM users: reps (BDR, AE, CSM) and their managers.",
    ("user_id", "text", "CRM user id."),
    ("full_name", "text", "User's name."),
    ("email", "text", "Work email."),
    ("role", "text", "BDR, AE, CSM or Manager."),
    ("team", "text", "Inbound Sales, Outbound Sales, Customer Success or Sales Leadership."),
    (
        "channel",
        "text",
        "Acquisition channel the user works (Inbound, Outbound); empty for CSMs and managers.",
    ),
    ("manager_user_id", "text", "The user's manager."),
    ("hired_on", "date", "Start date."),
    ("is_active", "boolean", "False once the user left."),
    ("updated_at", TS, "When this version of the record was written."),
)
CRM_ACCOUNTS = _t(
    "crm_accounts",
    "crm",
    "account_id",
    "CRM accounts (prospects and customers), one row per version.",
    ("account_id", "text", "CRM account id."),
    ("account_name", "text", "Company name."),
    ("industry", "text", "Industry as entered in the CRM."),
    ("segment", "text", "Sales segment: Enterprise, Mid Market, Commercial or SMB."),
    ("employee_count", "integer", "Employees."),
    ("employee_band", "text", "Employee count band."),
    ("region", "text", "Sales region."),
    ("country", "text", "Country code."),
    ("owner_user_id", "text", "Account owner (AE, or CSM once a customer)."),
    ("account_type", "text", "Prospect, Customer or Former Customer, as maintained by sales ops."),
    ("created_at", TS, "When the account was created in the CRM."),
    ("updated_at", TS, "When this version of the record was written."),
)
CRM_CONTACTS = _t(
    "crm_contacts",
    "crm",
    "contact_id",
    "People at accounts.",
    ("contact_id", "text", "CRM contact id."),
    ("account_id", "text", "Account the contact works at."),
    ("first_name", "text", "First name."),
    ("last_name", "text", "Last name."),
    ("title", "text", "Job title."),
    ("is_decision_maker", "boolean", "Whether the contact can sign."),
    ("email", "text", "Email as typed."),
    ("phone", "text", "Phone as typed."),
    ("created_at", TS, "When the contact was created."),
    ("updated_at", TS, "When this version of the record was written."),
)
CRM_LEADS = _t(
    "crm_leads",
    "crm",
    "lead_id",
    "CRM leads, one row per version; form_submitted_at is set for inbound leads.",
    ("lead_id", "text", "CRM lead id."),
    ("contact_id", "text", "Contact the lead is for."),
    ("account_id", "text", "Account the lead belongs to."),
    ("owner_user_id", "text", "BDR who owns the lead."),
    ("email", "text", "Lead email as typed (may need trimming and lower-casing)."),
    ("lead_source", "text", "Lead source as recorded by marketing/sales ops."),
    ("status", "text", "Lead status as exported (spellings vary)."),
    ("form_submitted_at", RAW, "Web form submission time as exported text; empty for outbound."),
    ("first_call_at", RAW, "First call to the lead (text export)."),
    ("first_text_at", RAW, "First SMS to the lead (text export)."),
    ("first_email_at", RAW, "First email to the lead (text export)."),
    ("last_activity_at", RAW, "Latest activity on the lead (text export)."),
    ("call_count", "integer", "Calls made to the lead."),
    ("text_count", "integer", "Texts sent to the lead."),
    ("email_count", "integer", "Emails sent to the lead."),
    ("touch_channels", "text", "Channels used to reach the lead, comma separated."),
    ("is_decision_maker_connected", "boolean", "Whether a rep spoke to a decision maker."),
    ("predicted_value", RAW, "Predicted monthly value as exported text (currency formats vary)."),
    ("converted_opportunity_id", "text", "Opportunity created from the lead, when converted."),
    ("created_at", TS, "When the lead was created."),
    ("updated_at", TS, "When this version of the record was written."),
)
CRM_OPPORTUNITIES = _t(
    "crm_opportunities",
    "crm",
    "opportunity_id",
    "CRM opportunities, one row per version.",
    ("opportunity_id", "text", "CRM opportunity id."),
    ("account_id", "text", "Account."),
    ("lead_id", "text", "Lead the opportunity came from (new business)."),
    ("owner_user_id", "text", "Owning AE or CSM."),
    ("opportunity_type", "text", "New Business, Expansion or Renewal."),
    ("stage", "text", "Stage as exported (spellings vary)."),
    ("amount", RAW, "Annual contract value as exported text (currency formats vary)."),
    ("probability", "numeric", "Stage probability, 0-100."),
    ("forecast_category", "text", "Pipeline, Best Case, Commit, Closed or Omitted."),
    ("close_date", RAW, "Expected or actual close date as exported text."),
    ("demo_set_at", RAW, "When the demo was booked (text export)."),
    ("demo_held_at", RAW, "When the demo took place (text export)."),
    ("lost_reason", "text", "Reason given when closed lost."),
    ("plan", "text", "Plan quoted, by name as in the price book (dbt seed plans.csv)."),
    ("term_months", "integer", "Contract term quoted: 12, 24 or 36."),
    ("sales_segment", "text", "Segment recorded on the opportunity; empty means the account's segment."),
    ("created_at", TS, "When the opportunity was created."),
    ("updated_at", TS, "When this version of the record was written."),
)
CRM_OPPORTUNITY_STAGE_HISTORY = _t(
    "crm_opportunity_stage_history",
    "crm",
    "stage_history_id",
    "Every stage an opportunity entered.",
    ("stage_history_id", "text", "History row id."),
    ("opportunity_id", "text", "Opportunity."),
    ("stage", "text", "Stage entered."),
    ("amount", "numeric", "Amount at the time."),
    ("probability", "numeric", "Probability at the time."),
    ("entered_at", TS, "When the stage was entered."),
    ("changed_by_user_id", "text", "User who moved the opportunity."),
)
CRM_ACTIVITIES = _t(
    "crm_activities",
    "crm",
    "activity_id",
    "Rep activities: calls, emails, texts, meetings and demos.",
    ("activity_id", "text", "Activity id."),
    ("activity_type", "text", "call, email, text, meeting or demo."),
    ("outcome", "text", "Connected, No Answer, Left Voicemail, Replied, Held, No Show, ..."),
    ("user_id", "text", "Rep who did it."),
    ("lead_id", "text", "Lead, for pre-opportunity activity."),
    ("contact_id", "text", "Contact reached."),
    ("opportunity_id", "text", "Opportunity, for deal activity."),
    ("account_id", "text", "Account."),
    ("occurred_at", TS, "When it happened."),
    ("duration_minutes", "integer", "Duration (calls, meetings, demos)."),
)
MARKETING_TOUCHES = _t(
    "marketing_touches",
    "marketing",
    "touch_id",
    "Marketing touchpoints per contact.",
    ("touch_id", "text", "Touchpoint id."),
    ("contact_id", "text", "Contact touched."),
    ("channel", "text", "Website, Paid Search, Webinar, Event, Paid Social or Email."),
    ("campaign_id", "text", "Campaign."),
    ("interaction", "text", "visit, click, form_fill, registration, attendance, open."),
    ("touched_at", TS, "When the touch happened."),
)
SALES_TOUCHES = _t(
    "sales_touches",
    "sales_engagement",
    "touch_id",
    "Sales outreach touchpoints per contact.",
    ("touch_id", "text", "Touchpoint id."),
    ("contact_id", "text", "Contact touched."),
    ("user_id", "text", "Rep."),
    ("channel", "text", "Outbound."),
    ("method", "text", "call, email, linkedin, text."),
    ("touched_at", TS, "When the touch happened."),
)
SPEND_AD_DAILY = _t(
    "spend_ad_daily",
    "ads",
    "spend_id",
    "Daily advertising spend by channel and campaign.",
    ("spend_id", "text", "Row id (date + campaign)."),
    ("spend_date", "date", "Day."),
    ("channel", "text", "Paid Search, Paid Social, Webinar, Event, Email or Website (SEO/content)."),
    ("campaign_id", "text", "Campaign id."),
    ("campaign_name", "text", "Campaign name."),
    ("impressions", "bigint", "Impressions."),
    ("clicks", "bigint", "Clicks."),
    ("spend_amount", "numeric", "Spend in USD."),
)
SPEND_TEAM_MONTHLY = _t(
    "spend_team_monthly",
    "finance",
    "team_month_id",
    "Monthly sales team pay (salaries and commissions).",
    ("team_month_id", "text", "Row id (month + team)."),
    ("month_start", "date", "First day of the month."),
    ("team", "text", "Team."),
    ("channel", "text", "Channel the team works (Inbound, Outbound) or empty."),
    ("headcount", "integer", "People paid that month."),
    ("salary_amount", "numeric", "Base salaries, USD."),
    ("commission_amount", "numeric", "Commissions, USD."),
)
BILLING_SUBSCRIPTIONS = _t(
    "billing_subscriptions",
    "billing",
    "subscription_id",
    "Subscriptions (contracts), one row per version.",
    ("subscription_id", "text", "Subscription id."),
    ("account_id", "text", "Customer account."),
    ("opportunity_id", "text", "Opportunity that created or last changed it."),
    ("plan", "text", "Plan, by name as in the price book (dbt seed plans.csv)."),
    ("term_months", "integer", "12, 24 or 36."),
    ("start_date", "date", "Current term start."),
    ("end_date", "date", "Current term end (exclusive)."),
    ("mrr_amount", "numeric", "Committed subscription MRR, USD."),
    ("included_tokens_monthly", "bigint", "Tokens included per month before overage."),
    ("status", "text", "active, cancelled or expired."),
    ("change_type", "text", "new, renewal, expansion, contraction, cancellation, reactivation."),
    ("cancelled_at", TS, "When it was cancelled."),
    ("updated_at", TS, "When this version of the record was written."),
)
BILLING_INVOICES = _t(
    "billing_invoices",
    "billing",
    "invoice_id",
    "Invoices (billing orders).",
    ("invoice_id", "text", "Invoice id."),
    ("account_id", "text", "Customer account."),
    ("subscription_id", "text", "Subscription billed."),
    ("invoice_type", "text", "subscription or usage."),
    ("invoice_date", "date", "Issue date."),
    ("period_start", "date", "Service period start."),
    ("period_end", "date", "Service period end (exclusive)."),
    ("amount", RAW, "Amount as exported text (currency formats vary)."),
    ("currency", "text", "ISO currency."),
    ("status", "text", "paid, open or void."),
    ("paid_at", TS, "When it was paid."),
    ("updated_at", TS, "When this version of the record was written."),
)
BILLING_USAGE_CHARGES = _t(
    "billing_usage_charges",
    "billing",
    "usage_charge_id",
    "Monthly usage-based charges (token overage).",
    ("usage_charge_id", "text", "Charge id (account + month)."),
    ("account_id", "text", "Customer account."),
    ("subscription_id", "text", "Subscription."),
    ("usage_month", "date", "First day of the month."),
    ("tokens_used", "bigint", "Tokens consumed."),
    ("tokens_included", "bigint", "Tokens included in the plan."),
    ("unit_price_per_1k", "numeric", "Overage price per 1,000 tokens, USD."),
    ("amount", "numeric", "Usage charge, USD."),
)
PRODUCT_API_EVENTS = _t(
    "product_api_events",
    "product",
    "event_id",
    "API requests (a sample of each account's traffic).",
    ("event_id", "bigint", "Request id."),
    ("account_id", "text", "Calling account."),
    ("event_at", TS, "Request time."),
    ("endpoint", "text", "API endpoint."),
    ("model", "text", "Model served."),
    ("tokens", "integer", "Tokens processed."),
    ("latency_ms", "integer", "Server latency in milliseconds."),
    ("status_code", "smallint", "HTTP status (200, 4xx incl. 429 throttling, 5xx)."),
    ("region", "text", "Serving region."),
)
PRODUCT_INCIDENTS = _t(
    "product_incidents",
    "product",
    "incident_id",
    "Platform incidents.",
    ("incident_id", "text", "Incident id."),
    ("title", "text", "Summary."),
    ("severity", "text", "SEV1 (outage), SEV2 (degraded), SEV3 (minor)."),
    ("scope", "text", "global or region."),
    ("affected_region", "text", "Region affected when scope is region."),
    ("started_at", TS, "Start."),
    ("resolved_at", TS, "Resolution."),
    ("downtime_minutes", "integer", "Minutes of full unavailability."),
)
SUPPORT_TICKETS = _t(
    "support_tickets",
    "support",
    "ticket_id",
    "Support tickets.",
    ("ticket_id", "text", "Ticket id."),
    ("account_id", "text", "Customer account."),
    ("contact_id", "text", "Requester."),
    ("incident_id", "text", "Related incident, if any."),
    ("category", "text", "error, latency, throttling, billing, onboarding or how-to."),
    ("priority", "text", "low, normal, high, urgent."),
    ("created_at", TS, "Opened."),
    ("resolved_at", TS, "Resolved (empty while open)."),
    ("updated_at", TS, "When this version of the record was written."),
)
SUPPORT_SURVEY_RESPONSES = _t(
    "support_survey_responses",
    "support",
    "response_id",
    "CSAT and NPS survey responses.",
    ("response_id", "text", "Response id."),
    ("account_id", "text", "Customer account."),
    ("contact_id", "text", "Respondent."),
    ("ticket_id", "text", "Ticket (CSAT after a ticket)."),
    ("survey_type", "text", "CSAT (1-5) or NPS (0-10)."),
    ("score", "integer", "Score."),
    ("responded_at", TS, "When answered."),
)

ALL_TABLES: tuple[BronzeTable, ...] = (
    CRM_USERS,
    CRM_ACCOUNTS,
    CRM_CONTACTS,
    CRM_LEADS,
    CRM_OPPORTUNITIES,
    CRM_OPPORTUNITY_STAGE_HISTORY,
    CRM_ACTIVITIES,
    MARKETING_TOUCHES,
    SALES_TOUCHES,
    SPEND_AD_DAILY,
    SPEND_TEAM_MONTHLY,
    BILLING_SUBSCRIPTIONS,
    BILLING_INVOICES,
    BILLING_USAGE_CHARGES,
    PRODUCT_API_EVENTS,
    PRODUCT_INCIDENTS,
    SUPPORT_TICKETS,
    SUPPORT_SURVEY_RESPONSES,
)
TABLES: dict[str, BronzeTable] = {t.name: t for t in ALL_TABLES}


def get_table(name: str) -> BronzeTable:
    try:
        return TABLES[name]
    except KeyError:
        known = ", ".join(sorted(TABLES))
        raise KeyError(f"Unknown bronze table {name!r}. Known tables: {known}") from None


DEFECTS_TABLE = "_generator_defects"
DEFECTS_DDL = sql.SQL(
    """CREATE TABLE IF NOT EXISTS {} (
        table_name text not null,
        record_key text not null,
        record_version_at timestamptz,
        defect_kind text not null,
        column_name text,
        clean_value text,
        dirty_value text,
        batch_id text not null
    )"""
).format(sql.Identifier(BRONZE_SCHEMA, DEFECTS_TABLE))

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
