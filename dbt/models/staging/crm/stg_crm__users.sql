with

users as (

    select * from {{ ref('base_crm__users') }}
    where is_latest_version and dq_reason_code is null

),

final as (

    select
        user_id,
        full_name,
        email,
        user_role,
        team,
        channel,
        manager_user_id,
        hired_date,
        is_active,
        updated_at,
        batch_id,
        loaded_at
    from users

)

select * from final
