{#- Every bronze version of every CRM contact, cleaned, with the reason it cannot be staged (null when it can). -#}
{%- set checks = [
    {"when": "contact_id is null", "code": "null_key", "column": "contact_id"},
    {"when": "account_id is null", "code": "null_required", "column": "account_id"},
    {"when": "not " ~ regexp_like("email", email_pattern()), "code": "malformed_email", "column": "email"},
    {"code": "orphan_fk", "column": "account_id", "parent": source('crm', 'crm_accounts')},
] + plausible_date_checks(["created_at", "updated_at"]) -%}
with

versions as (

    {{ bronze_versions(source('crm', 'crm_contacts'), 'contact_id') }}

),

cleaned as (

    select
        contact_id,
        nullif(trim(account_id), '') as account_id,
        trim(first_name) as first_name,
        trim(last_name) as last_name,
        {{ mask_pii('trim(title)') }} as title,
        coalesce(is_decision_maker, false) as is_decision_maker,
        {{ clean_email('email') }} as email,
        nullif(trim(phone), '') as phone,
        {{ to_utc_timestamp('created_at') }} as created_at,
        {{ to_utc_timestamp('updated_at') }} as updated_at,
        {{ version_metadata_columns() }}
    from versions

),

checked as (

    {{ quarantine_checked(checks) }}

)

select * from checked
