with

accounts as (

    select * from {{ ref('base_crm__accounts') }}
    where dq_reason_code is null

),

renamed as (

    select
        account_id,
        trim(account_name) as account_name,
        trim(industry) as industry,
        {{ canonical_value('segment', ['Enterprise', 'Mid Market', 'Commercial', 'SMB']) }} as segment,
        employee_count,
        trim(employee_band) as employee_band,
        trim(region) as region,
        trim(country) as country_code,
        owner_user_id,
        {{ canonical_value('account_type', ['Prospect', 'Customer', 'Former Customer']) }} as account_type,
        {{ to_utc_timestamp('created_at') }} as created_at,
        {{ to_utc_timestamp('updated_at') }} as updated_at,
        _batch_id as batch_id,
        {{ to_utc_timestamp('_loaded_at') }} as loaded_at
    from accounts

)

select * from renamed
