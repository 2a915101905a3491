{#- Every bronze sales outreach touch, cleaned, with the reason it cannot be staged (null when it can). -#}
{%- set checks = [
    {"when": "touch_id is null", "code": "null_key", "column": "touch_id"},
    {"when": "contact_id is null", "code": "null_required", "column": "contact_id"},
    {"when": "touched_at is null", "code": "null_required", "column": "touched_at"},
    {"code": "orphan_fk", "column": "contact_id", "parent": source('crm', 'crm_contacts')},
] + plausible_date_checks(["touched_at"]) -%}
with

versions as (

    {{ bronze_versions(source('marketing', 'sales_touches'), 'touch_id', version_column=none) }}

),

cleaned as (

    select
        touch_id,
        contact_id,
        user_id,
        {{ canonical_value('channel', ['Outbound']) }} as channel,
        {{ canonical_value('method', ['call', 'email', 'linkedin', 'text']) }} as touch_method,
        {{ to_utc_timestamp('touched_at') }} as touched_at,
        {{ version_metadata_columns() }}
    from versions

),

checked as (

    {{ quarantine_checked(checks) }}

)

select * from checked
