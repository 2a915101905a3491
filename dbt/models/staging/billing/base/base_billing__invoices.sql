{#- Every bronze version of every invoice, cleaned, with the reason it cannot be staged (null when it can). -#}
{%- set checks = [
    {"when": "invoice_id is null", "code": "null_key", "column": "invoice_id"},
    {"when": "account_id is null", "code": "null_required", "column": "account_id"},
    {"when": "invoice_date is null", "code": "null_required", "column": "invoice_date"},
    {"when": "amount_text is null", "code": "null_required", "column": "amount"},
    {"when": "invoice_amount is null", "code": "unparseable_value", "column": "amount"},
    {"when": "invoice_amount < 0", "code": "negative_amount", "column": "amount"},
] + plausible_date_checks({
    "invoice_date": "invoice_date", "paid_at": "paid_at", "period_start_date": "period_start",
    "period_end_date": "period_end", "updated_at": "updated_at",
}) -%}
with

versions as (

    {{ bronze_versions(source('billing', 'billing_invoices'), 'invoice_id') }}

),

cleaned as (

    select
        invoice_id,
        account_id,
        subscription_id,
        {{ canonical_value('invoice_type', ['subscription', 'usage']) }} as invoice_type,
        invoice_date,
        period_start as period_start_date,
        period_end as period_end_date,
        nullif(trim(amount), '') as amount_text,
        {{ parse_amount('amount') }} as invoice_amount,
        upper(trim(currency)) as currency_code,
        {{ canonical_value('status', ['paid', 'open', 'void']) }} as invoice_status,
        {{ to_utc_timestamp('paid_at') }} as paid_at,
        {{ to_utc_timestamp('updated_at') }} as updated_at,
        {{ version_metadata_columns() }}
    from versions

),

checked as (

    {{ quarantine_checked(checks) }}

)

select * from checked
