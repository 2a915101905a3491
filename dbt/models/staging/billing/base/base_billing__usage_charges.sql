{#- Every bronze row of every monthly usage charge, cleaned, with the reason it cannot be staged (null when it can).
    Charges are immutable: a resent row loses only to a later load. -#}
{%- set checks = [
    {"when": "usage_charge_id is null", "code": "null_key", "column": "usage_charge_id"},
    {"when": "account_id is null", "code": "null_required", "column": "account_id"},
    {"when": "usage_month_date is null", "code": "null_required", "column": "usage_month"},
    {"when": "tokens_used < 0", "code": "negative_amount", "column": "tokens_used"},
    {"when": "overage_price_per_1k_tokens_amount < 0", "code": "negative_amount", "column": "unit_price_per_1k"},
    {"when": "usage_charge_amount < 0", "code": "negative_amount", "column": "amount"},
] + plausible_date_checks({"usage_month_date": "usage_month"}) -%}
with

versions as (

    {{ bronze_versions(source('billing', 'billing_usage_charges'), 'usage_charge_id', version_column=none) }}

),

cleaned as (

    select
        usage_charge_id,
        account_id,
        subscription_id,
        usage_month as usage_month_date,
        tokens_used,
        tokens_included,
        cast(unit_price_per_1k as {{ type_money() }}) as overage_price_per_1k_tokens_amount,
        cast(amount as {{ type_money() }}) as usage_charge_amount,
        {{ version_metadata_columns() }}
    from versions

),

checked as (

    {{ quarantine_checked(checks) }}

)

select * from checked
