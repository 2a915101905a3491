{#- One row per record in the live pipeline: every open opportunity and every lead in Working status, in one
    shape (seed 000's Pipeline Health data product), with health status, risk level, ages, forecasted and
    probability-weighted revenue, predicted sales tier and the standing recommended action. -#}
with

opportunities as (

    select * from {{ ref('ops_opportunities') }}

),

leads as (

    select * from {{ ref('ops_leads') }}

),

actions as (

    select * from {{ ref('pipeline_health_actions') }}

),

records as (

    select
        opportunity_id as record_id,
        'Opportunity' as record_type,
        account_id,
        owner_user_id,
        channel,
        account_segment,
        demo_status,
        is_demo_held,
        stage_name as record_status,
        health_status,
        risk_level,
        days_in_pipeline,
        coalesce(days_in_current_stage, days_in_pipeline) as days_in_current_stage,
        {{ dbt.datediff('cast(coalesce(last_activity_at, created_at) as date)', as_of_date(), 'day') }}
            as days_since_last_activity,
        activity_count as total_touch_count,
        is_decision_maker_connected,
        forecasted_monthly_revenue_amount,
        forecasted_annual_revenue_amount,
        cast(probability / 100.0 as decimal(5, 4)) as win_probability,
        potential_annual_revenue_amount,
        predicted_sales_tier,
        predicted_sales_tier_rank,
        created_at
    from opportunities
    where is_open

    union all

    select
        lead_id as record_id,
        'Lead' as record_type,
        account_id,
        owner_user_id,
        channel,
        account_segment,
        'Not Applicable' as demo_status,
        false as is_demo_held,
        lead_status as record_status,
        working_lead_health as health_status,
        risk_level,
        days_in_pipeline,
        days_in_current_status as days_in_current_stage,
        days_since_last_activity,
        total_touch_count,
        is_decision_maker_connected,
        predicted_monthly_value_amount as forecasted_monthly_revenue_amount,
        forecasted_annual_revenue_amount,
        win_probability,
        potential_annual_revenue_amount,
        predicted_sales_tier,
        predicted_sales_tier_rank,
        created_at
    from leads
    where lead_status = 'Working'

),

-- The standing action of each record's status; for demo-held opportunities a demo-held row wins.
ranked_actions as (

    select
        records.record_id,
        actions.recommended_action,
        actions.action_priority,
        row_number() over (
            partition by records.record_id
            order by case when actions.is_demo_held_only then 0 else 1 end
        ) as action_rank
    from records
    inner join actions
        on records.record_type = actions.record_type
            and records.health_status = actions.to_health_status
            and actions.from_health_status is null
            and (records.is_demo_held or not actions.is_demo_held_only)

)

select
    records.*,
    ranked_actions.recommended_action,
    ranked_actions.action_priority,
    -- Seed 000's three leaks, as they stand in the live pipeline (var pipeline_leaks names them).
    case
        when records.record_type = 'Opportunity' and not records.is_demo_held then 1
        when records.record_type = 'Opportunity' and records.health_status <> 'Fresh' then 2
        when records.record_type = 'Lead' and records.health_status = 'Stale' then 3
    end as pipeline_leak,
    -- Lets the health snapshot tell which build recorded a transition (ops_pipeline_health_transitions).
    '{{ invocation_id }}' as dbt_invocation_id
from records
left join ranked_actions
    on records.record_id = ranked_actions.record_id
        and ranked_actions.action_rank = 1
