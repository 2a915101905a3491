{#- Every bronze marketing touch, cleaned, with the reason it cannot be staged (null when it can). -#}
{%- set checks = [
    {"when": "touch_id is null", "code": "null_key", "column": "touch_id"},
    {"when": "contact_id is null", "code": "null_required", "column": "contact_id"},
    {"when": "touched_at is null", "code": "null_required", "column": "touched_at"},
    {"when": is_after_load("touched_at"), "code": "future_timestamp", "column": "touched_at"},
    {"code": "orphan_fk", "column": "contact_id", "parent": source('crm', 'crm_contacts')},
] + plausible_date_checks(["touched_at"]) -%}
with

versions as (

    {{ bronze_versions(source('marketing', 'marketing_touches'), 'touch_id', version_column=none) }}

),

cleaned as (

    select
        touch_id,
        contact_id,
        {{ canonical_value('channel', ['Website', 'Paid Search', 'Webinar', 'Event', 'Paid Social', 'Email']) }}
            as channel,
        trim(campaign_id) as campaign_id,
        {{ canonical_value('interaction', ['visit', 'click', 'form_fill', 'registration', 'attendance', 'open']) }}
            as interaction_type,
        {{ to_utc_timestamp('touched_at') }} as touched_at,
        {{ version_metadata_columns() }}
    from versions

),

checked as (

    {{ quarantine_checked(checks) }}

)

select * from checked
