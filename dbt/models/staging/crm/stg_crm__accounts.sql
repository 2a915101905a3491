with

source as (

    select * from {{ source('crm', 'crm_accounts') }}

),

latest_version as (

    select
        *,
        row_number() over (
            partition by account_id
            order by updated_at desc, _loaded_at desc, _batch_id desc
        ) as version_rank
    from source
    where account_id is not null

),

renamed as (

    select
        account_id,
        trim(account_name) as account_name,
        trim(industry) as industry,
        trim(segment) as segment,
        trim(employee_band) as employee_band,
        trim(region) as region,
        {{ to_utc_timestamp('created_at') }} as created_at,
        {{ to_utc_timestamp('updated_at') }} as updated_at,
        _batch_id as batch_id,
        {{ to_utc_timestamp('_loaded_at') }} as loaded_at
    from latest_version
    where version_rank = 1

)

select * from renamed
