{#- Latest version of every account with the reason it cannot be staged (null when it can). -#}
{%- set checks = [
    {"when": "created_at is null", "code": "null_required", "column": "created_at"},
] -%}
with

accounts as (

    {{ latest_versions(source('crm', 'crm_accounts'), 'account_id') }}

),

checked as (

    select
        *,
        {{ dq_reason_columns(checks) }}
    from accounts

)

select * from checked
