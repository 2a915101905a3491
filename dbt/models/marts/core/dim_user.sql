{#- One row per CRM user (rep or manager) with their role, team, channel and manager. -#}
with

users as (

    select * from {{ ref('stg_crm__users') }}

),

final as (

    select
        users.user_id,
        users.full_name,
        users.user_role,
        users.team,
        users.channel,
        users.manager_user_id,
        managers.full_name as manager_full_name,
        users.hired_date,
        users.is_active
    from users
    left join users as managers
        on users.manager_user_id = managers.user_id

)

select * from final
