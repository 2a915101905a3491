{#- Every bronze version of every account, cleaned, with the reason it cannot be staged (null when it can). -#}
{%- set checks = [
    {"when": "account_id is null", "code": "null_key", "column": "account_id"},
    {"when": "employee_count < 0", "code": "negative_amount", "column": "employee_count"},
] + plausible_date_checks(["created_at", "updated_at"]) -%}
with

versions as (

    {{ bronze_versions(source('crm', 'crm_accounts'), 'account_id') }}

),

cleaned as (

    select
        account_id,
        {{ mask_pii('trim(account_name)') }} as account_name,
        trim(industry) as industry,
        {{ canonical_value('segment', sales_segments()) }} as segment,
        employee_count,
        trim(employee_band) as employee_band,
        trim(region) as region,
        upper(trim(country)) as country_code,
        owner_user_id,
        {{ canonical_value('account_type', ['Prospect', 'Customer', 'Former Customer']) }} as account_type,
        {{ to_utc_timestamp('created_at') }} as created_at,
        {{ to_utc_timestamp('updated_at') }} as updated_at,
        {{ version_metadata_columns() }}
    from versions

),

checked as (

    {{ quarantine_checked(checks) }}

)

select * from checked
