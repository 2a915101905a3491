{#- Latest version of every lead with the reason it cannot be staged (null when it can). -#}
{%- set checks = [
    {"when": "leads.created_at is null", "code": "null_required", "column": "created_at"},
    {"when": "leads.account_id is null", "code": "null_required", "column": "account_id"},
    {"when": "known_accounts.account_id is null", "code": "orphan_fk", "column": "account_id"},
    {"when": "leads.email is null", "code": "null_required", "column": "email"},
    {"when": "not " ~ regexp_like("lower(trim(leads.email))", email_pattern()),
     "code": "malformed_email", "column": "email"},
] -%}
with

leads as (

    {{ latest_versions(source('crm', 'crm_leads'), 'lead_id') }}

),

known_accounts as (

    select distinct account_id
    from {{ source('crm', 'crm_accounts') }}
    where account_id is not null

),

checked as (

    select
        leads.*,
        {{ dq_reason_columns(checks) }}
    from leads
    left join known_accounts
        on leads.account_id = known_accounts.account_id

)

select * from checked
