{#- Latest version of every lead with the reason it cannot be staged (null when it can). -#}
with

source as (

    select * from {{ source('crm', 'crm_leads') }}

),

versions as (

    select
        *,
        row_number() over (
            partition by lead_id
            order by updated_at desc, _loaded_at desc, _batch_id desc
        ) as version_rank
    from source
    where lead_id is not null

),

known_accounts as (

    select distinct account_id
    from {{ source('crm', 'crm_accounts') }}
    where account_id is not null

),

checked as (

    select
        versions.*,
        case
            when versions.created_at is null then 'null_required'
            when versions.account_id is null then 'null_required'
            when known_accounts.account_id is null then 'orphan_fk'
            when versions.email is null then 'null_required'
            when not {{ regexp_like('lower(trim(versions.email))', email_pattern()) }} then 'malformed_email'
        end as dq_reason_code,
        case
            when versions.created_at is null then 'created_at'
            when versions.account_id is null then 'account_id'
            when known_accounts.account_id is null then 'account_id'
            when versions.email is null then 'email'
            when not {{ regexp_like('lower(trim(versions.email))', email_pattern()) }} then 'email'
        end as dq_column
    from versions
    left join known_accounts
        on versions.account_id = known_accounts.account_id
    where versions.version_rank = 1

)

select * from checked
