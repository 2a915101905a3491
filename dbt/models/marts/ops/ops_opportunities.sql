{#- One row per opportunity (latest clean version) with its lead context, loss category, revenue model,
    predicted sales tier, engagement and, while open, its health status and risk level. Every threshold is a
    var or a seed (dbt_project.yml). -#}
{%- set lead_to_opportunity_days = dbt.datediff(
    'cast(classified.lead_created_at as date)', 'cast(classified.created_at as date)', 'day'
) -%}
with

opportunities as (

    select * from {{ ref('int_crm__opportunities_enriched') }}

),

leads as (

    select * from {{ ref('int_crm__leads_enriched') }}

),

activities as (

    select * from {{ ref('stg_crm__activities') }}

),

loss_categories as (

    select * from {{ ref('loss_reason_categories') }}

),

tiers as (

    select * from {{ ref('predicted_value_tiers') }}

),

opportunity_activity as (

    select
        opportunity_id,
        count(*) as activity_count,
        max(occurred_at) as last_activity_at
    from activities
    where opportunity_id is not null
    group by opportunity_id

),

joined as (

    select
        opportunities.*,
        leads.lead_source_group,
        leads.created_at as lead_created_at,
        leads.speed_to_lead_minutes,
        leads.touch_count as lead_touch_count,
        coalesce(leads.is_decision_maker_connected, false) as is_decision_maker_connected,
        loss_categories.loss_category,
        coalesce(opportunity_activity.activity_count, 0) as activity_count,
        opportunity_activity.last_activity_at,
        -- Opportunities without a stage history (imported installed-base deals) age from creation.
        coalesce(opportunities.days_in_current_stage, opportunities.days_in_pipeline) as days_in_stage_or_pipeline
    from opportunities
    left join leads
        on opportunities.lead_id = leads.lead_id
    left join loss_categories
        on opportunities.lost_reason = loss_categories.lost_reason
    left join opportunity_activity
        on opportunities.opportunity_id = opportunity_activity.opportunity_id

),

classified as (

    select
        joined.*,
        case
            when not joined.is_open then null
            when joined.days_in_stage_or_pipeline > {{ var('opportunity_stalled_stage_days') }} then 'Stalled'
            when joined.days_in_pipeline <= {{ var('opportunity_fresh_max_days') }} then 'Fresh'
            when joined.days_in_pipeline <= {{ var('opportunity_maturing_max_days') }} then 'Maturing'
            else 'Aging'
        end as health_status
    from joined

)

select
    classified.opportunity_id,
    classified.account_id,
    classified.lead_id,
    classified.owner_user_id,
    classified.opportunity_type,
    classified.channel,
    classified.lead_source,
    classified.lead_source_group,
    coalesce(classified.account_segment, 'Unknown') as account_segment,
    classified.stage_name,
    classified.forecast_category,
    classified.plan_name,
    classified.term_months,
    classified.demo_status,
    classified.demo_held_at is not null as is_demo_held,
    classified.demo_set_at,
    classified.demo_held_at,
    classified.is_open,
    classified.is_closed,
    classified.is_won,
    classified.is_lost,
    classified.lost_reason,
    case when classified.is_lost then coalesce(classified.loss_category, 'Other') end as loss_category,
    classified.lead_created_at,
    classified.created_at,
    classified.close_date,
    case
        when classified.lead_created_at is not null
            then {{ lead_to_opportunity_days }}
    end as days_lead_to_opportunity,
    classified.days_to_close,
    classified.days_in_pipeline,
    classified.days_in_current_stage,
    {%- for stage in ['qualification', 'demo_scheduled', 'demo_completed', 'proposal', 'negotiation'] %}
    cast(classified.days_in_{{ stage }} as {{ dbt.type_int() }}) as days_in_{{ stage }},
    {%- endfor %}
    cast(classified.stage_change_count as {{ dbt.type_int() }}) as stage_change_count,
    cast(classified.speed_to_lead_minutes as {{ dbt.type_int() }}) as speed_to_lead_minutes,
    classified.lead_touch_count,
    cast(classified.activity_count as {{ dbt.type_int() }}) as activity_count,
    classified.last_activity_at,
    classified.is_decision_maker_connected,
    cast(classified.acv_amount as {{ type_money() }}) as acv_amount,
    cast(classified.acv_amount / 12 as {{ type_money() }}) as forecasted_monthly_revenue_amount,
    cast(classified.acv_amount as {{ type_money() }}) as forecasted_annual_revenue_amount,
    cast(classified.probability as decimal(5, 2)) as probability,
    classified.weighted_acv_amount as potential_annual_revenue_amount,
    tiers.tier_name as predicted_sales_tier,
    tiers.tier_rank as predicted_sales_tier_rank,
    classified.health_status,
    case classified.health_status
        when 'Fresh' then 'Low'
        when 'Maturing' then 'Medium'
        when 'Aging' then 'High'
        when 'Stalled' then 'High'
    end as risk_level
from classified
left join tiers
    on classified.acv_amount >= tiers.min_annual_value_amount
        and (tiers.max_annual_value_amount is null or classified.acv_amount < tiers.max_annual_value_amount)
