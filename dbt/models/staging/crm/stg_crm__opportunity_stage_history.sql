with

stage_history as (

    select * from {{ ref('base_crm__opportunity_stage_history') }}
    where is_accepted_version

),

final as (

    select
        stage_history_id,
        opportunity_id,
        stage_name,
        acv_amount,
        probability,
        entered_at,
        changed_by_user_id,
        batch_id,
        loaded_at
    from stage_history

)

select * from final
