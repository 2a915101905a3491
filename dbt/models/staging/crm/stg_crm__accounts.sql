with

accounts as (

    select * from {{ ref('base_crm__accounts') }}
    where is_accepted_version

),

final as (

    select
        account_id,
        account_name,
        industry,
        segment,
        employee_count,
        employee_band,
        region,
        country_code,
        owner_user_id,
        account_type,
        created_at,
        updated_at,
        has_quarantined_update,
        batch_id,
        loaded_at
    from accounts

)

select * from final
