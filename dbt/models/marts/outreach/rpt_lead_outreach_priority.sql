{#- The Lead Outreach Priority Queue (seed 000, Data Product 2): every open, unconverted lead (New or Working)
    with its outreach classification from ops_leads, ranked into one action list: most urgent priority first,
    then highest predicted value, then longest wait. -#}
with

leads as (

    select * from {{ ref('ops_leads') }}

),

queue as (

    select
        lead_id,
        owner_user_id,
        channel,
        lead_source,
        account_segment,
        lead_status,
        outreach_section,
        outreach_priority,
        response_delay_bucket,
        dashboard_status,
        is_actionable,
        is_high_value_urgent,
        outreach_anchor_at,
        first_contact_at,
        minutes_waiting_without_contact,
        response_delay_minutes,
        days_since_last_activity,
        total_touch_count,
        is_decision_maker_connected,
        predicted_sales_tier,
        predicted_sales_tier_rank,
        predicted_monthly_value_amount,
        forecasted_annual_revenue_amount,
        case outreach_priority
            when 'P0 - Immediate' then 0
            when 'P1 - Urgent' then 1
            when 'P2 - At Risk' then 2
            when 'P3 - Recover' then 3
            when 'P4 - Follow Up' then 4
            when 'Expired' then 5
            else 6
        end as outreach_priority_rank
    from leads
    where is_open_lead

)

select
    *,
    row_number() over (
        order by outreach_priority_rank, coalesce(predicted_sales_tier_rank, 99), outreach_anchor_at, lead_id
    ) as queue_position
from queue
