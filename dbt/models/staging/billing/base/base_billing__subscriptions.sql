{#- Every bronze version of every subscription, cleaned, with the reason it cannot be staged (null when it can). -#}
{%- set checks = [
    {"when": "subscription_id is null", "code": "null_key", "column": "subscription_id"},
    {"when": "account_id is null", "code": "null_required", "column": "account_id"},
    {"when": "start_date is null", "code": "null_required", "column": "start_date"},
    {"when": "mrr_amount < 0", "code": "negative_amount", "column": "mrr_amount"},
    {"code": "orphan_fk", "column": "account_id", "parent": source('crm', 'crm_accounts')},
] + plausible_date_checks(["start_date", "end_date", "cancelled_at", "updated_at"]) -%}
with

versions as (

    {{ bronze_versions(source('billing', 'billing_subscriptions'), 'subscription_id') }}

),

cleaned as (

    select
        subscription_id,
        account_id,
        opportunity_id,
        {{ canonical_value('plan', ['Starter', 'Growth', 'Scale', 'Enterprise']) }} as plan_name,
        term_months,
        start_date,
        end_date,
        cast(mrr_amount as {{ type_money() }}) as mrr_amount,
        included_tokens_monthly,
        {{ canonical_value('status', ['active', 'cancelled', 'expired']) }} as subscription_status,
        {{ canonical_value('change_type', ['new', 'renewal', 'expansion', 'contraction', 'cancellation',
                                           'reactivation']) }} as change_type,
        {{ to_utc_timestamp('cancelled_at') }} as cancelled_at,
        {{ to_utc_timestamp('updated_at') }} as updated_at,
        {{ version_metadata_columns() }}
    from versions

),

checked as (

    {{ quarantine_checked(checks) }}

)

select * from checked
