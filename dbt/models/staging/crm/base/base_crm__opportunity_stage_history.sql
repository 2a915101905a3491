{#- Every bronze row of the opportunity stage history (immutable: a resent row is a duplicate, not a new version),
    cleaned, with the reason it cannot be staged (null when it can). -#}
{%- set checks = [
    {"when": "stage_history_id is null", "code": "null_key", "column": "stage_history_id"},
    {"when": "opportunity_id is null", "code": "null_required", "column": "opportunity_id"},
    {"when": "stage_name is null", "code": "null_required", "column": "stage"},
    {"when": "entered_at is null", "code": "null_required", "column": "entered_at"},
    {"when": is_after_load('entered_at'), "code": "future_timestamp", "column": "entered_at"},
    {"when": "acv_amount < 0", "code": "negative_amount", "column": "amount"},
    {"code": "orphan_fk", "column": "opportunity_id", "parent": source('crm', 'crm_opportunities')},
] + plausible_date_checks(["entered_at"]) -%}
with

versions as (

    {{ bronze_versions(source('crm', 'crm_opportunity_stage_history'), 'stage_history_id', version_column=none) }}

),

cleaned as (

    select
        stage_history_id,
        nullif(trim(opportunity_id), '') as opportunity_id,
        {{ canonical_value("nullif(trim(stage), '')", opportunity_stages()) }} as stage_name,
        cast(amount as {{ type_money() }}) as acv_amount,
        probability,
        {{ to_utc_timestamp('entered_at') }} as entered_at,
        nullif(trim(changed_by_user_id), '') as changed_by_user_id,
        {{ version_metadata_columns() }}
    from versions

),

checked as (

    {{ quarantine_checked(checks) }}

)

select * from checked
