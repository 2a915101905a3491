with

opportunities as (

    select * from {{ ref('base_crm__opportunities') }}
    where is_accepted_version

),

final as (

    select
        opportunity_id,
        account_id,
        lead_id,
        owner_user_id,
        opportunity_type,
        stage_name,
        acv_amount,
        probability,
        forecast_category,
        close_date,
        demo_set_at,
        demo_held_at,
        lost_reason,
        plan_name,
        term_months,
        sales_segment,
        is_closed,
        is_won,
        created_at,
        updated_at,
        has_quarantined_update,
        batch_id,
        loaded_at
    from opportunities

)

select * from final
