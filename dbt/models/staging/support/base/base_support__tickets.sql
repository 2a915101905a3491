{#- Every bronze version of every support ticket, cleaned, with the reason it cannot be staged (null when it can). -#}
{%- set checks = [
    {"when": "ticket_id is null", "code": "null_key", "column": "ticket_id"},
    {"when": "created_at is null", "code": "null_required", "column": "created_at"},
    {"when": "account_id is null", "code": "null_required", "column": "account_id"},
    {"when": is_after_load("created_at"), "code": "future_timestamp", "column": "created_at"},
    {"code": "orphan_fk", "column": "account_id", "parent": source('crm', 'crm_accounts')},
] + plausible_date_checks(["created_at", "resolved_at", "updated_at"]) -%}
with

versions as (

    {{ bronze_versions(source('support', 'support_tickets'), 'ticket_id') }}

),

cleaned as (

    select
        ticket_id,
        account_id,
        contact_id,
        incident_id,
        {{ canonical_value('category', ['error', 'latency', 'throttling', 'billing', 'onboarding', 'how-to']) }}
            as ticket_category,
        {{ canonical_value('priority', ['low', 'normal', 'high', 'urgent']) }} as ticket_priority,
        {{ to_utc_timestamp('created_at') }} as created_at,
        {{ to_utc_timestamp('resolved_at') }} as resolved_at,
        {{ to_utc_timestamp('updated_at') }} as updated_at,
        {{ version_metadata_columns() }}
    from versions

),

resolved as (

    select
        cleaned.ticket_id,
        cleaned.account_id,
        cleaned.contact_id,
        cleaned.incident_id,
        cleaned.ticket_category,
        cleaned.ticket_priority,
        cleaned.created_at,
        cleaned.resolved_at,
        cleaned.resolved_at is not null as is_resolved,
        -- Elapsed hours (to the second, rounded to 2 decimals) rather than hour boundaries crossed.
        round(
            cast({{ dbt.datediff('cleaned.created_at', 'cleaned.resolved_at', 'second') }} as {{ dbt.type_numeric() }})
            / 3600, 2
        ) as resolution_hours,
        cleaned.updated_at,
        cleaned.is_latest_version,
        cleaned.batch_id,
        cleaned.loaded_at
    from cleaned

),

checked as (

    {{ quarantine_checked(checks, 'resolved') }}

)

select * from checked
