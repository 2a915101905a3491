{#- Latest version of every account with the reason it cannot be staged (null when it can). -#}
with

source as (

    select * from {{ source('crm', 'crm_accounts') }}

),

versions as (

    select
        *,
        row_number() over (
            partition by account_id
            order by updated_at desc, _loaded_at desc, _batch_id desc
        ) as version_rank
    from source
    where account_id is not null

),

checked as (

    select
        *,
        case when created_at is null then 'null_required' end as dq_reason_code,
        case when created_at is null then 'created_at' end as dq_column
    from versions
    where version_rank = 1

)

select * from checked
