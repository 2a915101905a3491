{#- Every bronze row of every API request, with the reason it cannot be staged (null when it can).
    The largest table of the warehouse (2.7M rows at scale 1, 27M at scale 10), so this model stays lean:
    renames and casts only, no join (account orphans are a tier:full relationships test on staging, not a
    quarantine check). Requests are immutable: a resent row loses only to a later load. -#}
{{ config(
    indexes=[
        {"columns": ["loaded_at"]},
        {"columns": ["event_date"]},
    ],
) }}
{%- set checks = [
    {"when": "event_id is null", "code": "null_key", "column": "event_id"},
    {"when": "account_id is null", "code": "null_required", "column": "account_id"},
    {"when": "event_at is null", "code": "null_required", "column": "event_at"},
] + plausible_date_checks(["event_at"]) -%}
with

versions as (

    {{ bronze_versions(source('product', 'product_api_events'), 'event_id', version_column=none) }}

),

cleaned as (

    select
        event_id,
        account_id,
        {{ to_utc_timestamp('event_at') }} as event_at,
        cast({{ to_utc_timestamp('event_at') }} as date) as event_date,
        endpoint,
        model as model_name,
        tokens as token_count,
        latency_ms,
        status_code,
        region,
        {{ version_metadata_columns() }}
    from versions

),

checked as (

    {{ quarantine_checked(checks) }}

)

select * from checked
