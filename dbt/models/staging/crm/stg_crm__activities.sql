with

activities as (

    select * from {{ ref('base_crm__activities') }}
    where is_accepted_version

),

final as (

    select
        activity_id,
        activity_type,
        activity_outcome,
        user_id,
        lead_id,
        contact_id,
        opportunity_id,
        account_id,
        occurred_at,
        duration_minutes,
        batch_id,
        loaded_at
    from activities

)

select * from final
