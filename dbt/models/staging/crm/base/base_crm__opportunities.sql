{#- Every bronze version of every CRM opportunity, cleaned, with the reason it cannot be staged (null when it can). -#}
{%- set checks = [
    {"when": "opportunity_id is null", "code": "null_key", "column": "opportunity_id"},
    {"when": "created_at is null", "code": "null_required", "column": "created_at"},
    {"when": "stage_name is null", "code": "null_required", "column": "stage"},
    {"when": "account_id is null", "code": "null_required", "column": "account_id"},
    {"when": "amount_text is not null and acv_amount is null", "code": "unparseable_value", "column": "amount"},
    {"when": "acv_amount < 0", "code": "negative_amount", "column": "amount"},
    {"when": "close_date_text is not null and close_date is null", "code": "unparseable_value",
     "column": "close_date"},
    {"when": "demo_set_text is not null and demo_set_at is null", "code": "unparseable_value",
     "column": "demo_set_at"},
    {"when": "demo_held_text is not null and demo_held_at is null", "code": "unparseable_value",
     "column": "demo_held_at"},
    {"code": "orphan_fk", "column": "account_id", "parent": source('crm', 'crm_accounts')},
] + plausible_date_checks(["close_date", "created_at", "demo_held_at", "demo_set_at", "updated_at"]) -%}
with

versions as (

    {{ bronze_versions(source('crm', 'crm_opportunities'), 'opportunity_id') }}

),

cleaned as (

    select
        opportunity_id,
        nullif(trim(account_id), '') as account_id,
        nullif(trim(lead_id), '') as lead_id,
        nullif(trim(owner_user_id), '') as owner_user_id,
        {{ canonical_value('opportunity_type', ['New Business', 'Expansion', 'Renewal']) }} as opportunity_type,
        {{ canonical_value("nullif(trim(stage), '')", opportunity_stages()) }} as stage_name,
        nullif(trim(amount), '') as amount_text,
        {{ parse_amount('amount') }} as acv_amount,
        probability,
        {{ canonical_value('forecast_category', ['Pipeline', 'Best Case', 'Commit', 'Closed', 'Omitted']) }}
            as forecast_category,
        nullif(trim(close_date), '') as close_date_text,
        {{ clean_date_text('close_date') }} as close_date,
        nullif(trim(demo_set_at), '') as demo_set_text,
        {{ clean_timestamp_text('demo_set_at') }} as demo_set_at,
        nullif(trim(demo_held_at), '') as demo_held_text,
        {{ clean_timestamp_text('demo_held_at') }} as demo_held_at,
        nullif(trim(lost_reason), '') as lost_reason,
        {{ canonical_value('plan', ['Starter', 'Growth', 'Scale', 'Enterprise']) }} as plan_name,
        term_months,
        {{ canonical_value("nullif(trim(sales_segment), '')", sales_segments()) }} as sales_segment,
        {{ to_utc_timestamp('created_at') }} as created_at,
        {{ to_utc_timestamp('updated_at') }} as updated_at,
        {{ version_metadata_columns() }}
    from versions

),

flagged as (

    select
        *,
        stage_name in ('Closed Won', 'Closed Lost') as is_closed,
        stage_name = 'Closed Won' as is_won
    from cleaned

),

checked as (

    {{ quarantine_checked(checks, 'flagged') }}

)

select * from checked
