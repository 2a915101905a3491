{#- Every bronze row of the rep activities (immutable: a resent row is a duplicate, not a new version), cleaned,
    with the reason it cannot be staged (null when it can). 580k rows: each orphan check is one hash join
    against the parent's distinct bronze keys. A parent that arrives in a later load heals its activities on
    the next build (base models are rebuilt from all of bronze). -#}
{%- set checks = [
    {"when": "activity_id is null", "code": "null_key", "column": "activity_id"},
    {"when": "activity_type is null", "code": "null_required", "column": "activity_type"},
    {"when": "occurred_at is null", "code": "null_required", "column": "occurred_at"},
    {"when": is_after_load('occurred_at'), "code": "future_timestamp", "column": "occurred_at"},
    {"when": "duration_minutes < 0", "code": "negative_amount", "column": "duration_minutes"},
    {"code": "orphan_fk", "column": "contact_id", "parent": source('crm', 'crm_contacts')},
    {"code": "orphan_fk", "column": "lead_id", "parent": source('crm', 'crm_leads')},
    {"code": "orphan_fk", "column": "opportunity_id", "parent": source('crm', 'crm_opportunities')},
] + plausible_date_checks(["occurred_at"]) -%}
with

versions as (

    {{ bronze_versions(source('crm', 'crm_activities'), 'activity_id', version_column=none) }}

),

cleaned as (

    select
        activity_id,
        {{ canonical_value("nullif(trim(activity_type), '')", ['call', 'email', 'text', 'meeting', 'demo']) }}
            as activity_type,
        {{ canonical_value("nullif(trim(outcome), '')", ['Connected', 'No Answer', 'Left Voicemail', 'Sent', 'Replied',
                                                          'Held', 'No Show']) }} as activity_outcome,
        nullif(trim(user_id), '') as user_id,
        nullif(trim(lead_id), '') as lead_id,
        nullif(trim(contact_id), '') as contact_id,
        nullif(trim(opportunity_id), '') as opportunity_id,
        nullif(trim(account_id), '') as account_id,
        {{ to_utc_timestamp('occurred_at') }} as occurred_at,
        duration_minutes,
        {{ version_metadata_columns() }}
    from versions

),

checked as (

    {{ quarantine_checked(checks) }}

)

select * from checked
