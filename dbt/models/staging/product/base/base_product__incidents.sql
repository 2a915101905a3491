{#- Every bronze row of every platform incident, cleaned, with the reason it cannot be staged (null when it can).
    Incidents are immutable (written once resolved): a resent row loses only to a later load. -#}
{%- set checks = [
    {"when": "incident_id is null", "code": "null_key", "column": "incident_id"},
    {"when": "started_at is null", "code": "null_required", "column": "started_at"},
    {"when": "severity is null", "code": "null_required", "column": "severity"},
    {"when": is_after_load("started_at"), "code": "future_timestamp", "column": "started_at"},
    {"when": is_after_load("resolved_at"), "code": "future_timestamp", "column": "resolved_at"},
] + plausible_date_checks(["started_at", "resolved_at"]) -%}
with

versions as (

    {{ bronze_versions(source('product', 'product_incidents'), 'incident_id', version_column=none) }}

),

cleaned as (

    select
        incident_id,
        {{ mask_pii('trim(title)') }} as incident_title,
        {{ canonical_value('severity', ['SEV1', 'SEV2', 'SEV3']) }} as severity,
        {{ canonical_value('scope', ['global', 'region']) }} as incident_scope,
        nullif(trim(affected_region), '') as affected_region,
        {{ to_utc_timestamp('started_at') }} as started_at,
        {{ to_utc_timestamp('resolved_at') }} as resolved_at,
        downtime_minutes,
        {{ version_metadata_columns() }}
    from versions

),

checked as (

    {{ quarantine_checked(checks) }}

)

select * from checked
