{#- Every bronze version of every CRM user, cleaned, with the reason it cannot be staged (null when it can). -#}
{%- set checks = [
    {"when": "user_id is null", "code": "null_key", "column": "user_id"},
] + plausible_date_checks({"hired_date": "hired_on", "updated_at": "updated_at"}) -%}
with

versions as (

    {{ bronze_versions(source('crm', 'crm_users'), 'user_id') }}

),

cleaned as (

    select
        user_id,
        {{ mask_pii('trim(full_name)') }} as full_name,
        {{ clean_email('email') }} as email,
        {{ canonical_value('role', ['BDR', 'AE', 'CSM', 'Manager']) }} as user_role,
        {{ canonical_value('team', ['Inbound Sales', 'Outbound Sales', 'Customer Success', 'Sales Leadership']) }}
            as team,
        {{ canonical_value("nullif(trim(channel), '')", ['Inbound', 'Outbound']) }} as channel,
        nullif(trim(manager_user_id), '') as manager_user_id,
        hired_on as hired_date,
        is_active,
        {{ to_utc_timestamp('updated_at') }} as updated_at,
        {{ version_metadata_columns() }}
    from versions

),

checked as (

    {{ quarantine_checked(checks) }}

)

select * from checked
