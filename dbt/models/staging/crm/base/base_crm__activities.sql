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
    {"when": "contact_id is not null and known_contacts.known_contact_id is null", "code": "orphan_fk",
     "column": "contact_id"},
    {"when": "lead_id is not null and known_leads.known_lead_id is null", "code": "orphan_fk",
     "column": "lead_id"},
    {"when": "opportunity_id is not null and known_opportunities.known_opportunity_id is null",
     "code": "orphan_fk", "column": "opportunity_id"},
] -%}
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

known_contacts as (

    {{ known_keys(source('crm', 'crm_contacts'), 'contact_id') }}

),

known_leads as (

    {{ known_keys(source('crm', 'crm_leads'), 'lead_id') }}

),

known_opportunities as (

    {{ known_keys(source('crm', 'crm_opportunities'), 'opportunity_id') }}

),

checked as (

    select
        cleaned.*,
        {{ dq_reason_columns(checks) }}
    from cleaned
    left join known_contacts
        on cleaned.contact_id = known_contacts.known_contact_id
    left join known_leads
        on cleaned.lead_id = known_leads.known_lead_id
    left join known_opportunities
        on cleaned.opportunity_id = known_opportunities.known_opportunity_id

)

select * from checked
