with

users as (

    select * from {{ ref('base_crm__users') }}
    where is_accepted_version

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
        has_quarantined_update,
        batch_id,
        loaded_at
    from users

)

select * from final
