{#- One row per lead (the latest clean version) with every derived field the lead data products and a
    reverse-ETL sync need: speed to lead, recency, working-lead health, predicted sales tier, probability-
    weighted value and the outreach classification. Every threshold is a var or a seed (dbt_project.yml). -#}
{%- set golden_minutes = var('outreach_golden_window_minutes') -%}
{%- set immediate_minutes = var('outreach_immediate_max_hours') * 60 -%}
{%- set urgent_minutes = var('outreach_urgent_max_hours') * 60 -%}
{%- set at_risk_minutes = var('outreach_at_risk_max_hours') * 60 -%}
with

leads as (

    select * from {{ ref('int_crm__leads_enriched') }}

),

lead_versions as (

    select * from {{ ref('base_crm__leads') }}

),

tiers as (

    select * from {{ ref('predicted_value_tiers') }}

),

clean_versions as (

    select
        lead_id,
        lead_status,
        updated_at,
        is_latest_version
    from lead_versions
    where dq_reason_code is null

),

-- When the lead entered its current status: the first clean version carrying it. Reads the versions table
-- alone (not the enriched view) so the planner joins two analysed tables.
status_entries as (

    select
        clean_versions.lead_id,
        min(clean_versions.updated_at) as current_status_entered_at
    from clean_versions
    inner join clean_versions as latest_versions
        on clean_versions.lead_id = latest_versions.lead_id
            and clean_versions.lead_status = latest_versions.lead_status
            and latest_versions.is_latest_version
    group by clean_versions.lead_id

),

measured as (

    select
        leads.*,
        leads.lead_status in ('New', 'Working') as is_open_lead,
        -- The outreach clock starts at the form submission (inbound) or when the lead was created (outbound).
        coalesce(leads.form_submitted_at, leads.created_at) as outreach_anchor_at,
        coalesce(status_entries.current_status_entered_at, leads.created_at) as current_status_entered_at,
        {{ dbt.datediff(
            'cast(coalesce(leads.last_activity_at, leads.created_at) as date)', as_of_date(), 'day'
        ) }} as days_inactive,
        cast(leads.predicted_monthly_value_amount * 12 as {{ type_money() }}) as forecasted_annual_revenue_amount,
        case leads.channel
            {%- for channel, probability in var('lead_win_probability').items() %}
            when '{{ channel }}' then {{ probability }}
            {%- endfor %}
            else 0
        end as win_probability
    from leads
    left join status_entries
        on leads.lead_id = status_entries.lead_id

),

timed as (

    select
        measured.*,
        case
            when measured.first_contact_at is not null
                then {{ dbt.datediff('measured.outreach_anchor_at', 'measured.first_contact_at', 'minute') }}
        end as response_delay_minutes,
        case
            when measured.first_contact_at is null
                then {{ dbt.datediff('measured.outreach_anchor_at', as_of_timestamp(), 'minute') }}
        end as minutes_waiting_without_contact
    from measured

),

classified as (

    select
        timed.*,
        case
            when timed.lead_status <> 'Working' then null
            when timed.days_inactive <= {{ var('lead_health_active_max_days') }} then 'Active'
            when timed.days_inactive <= {{ var('lead_health_aging_max_days') }} then 'Aging'
            else 'Stale'
        end as working_lead_health,
        case
            when not timed.is_open_lead then null
            -- The timestamps cannot place the lead: no anchor, or a first touch before the clock started.
            when timed.outreach_anchor_at is null or timed.response_delay_minutes < 0
                or timed.minutes_waiting_without_contact < 0 then 'Data Quality'
            when timed.first_contact_at is null then 'No Outreach'
            else 'Contacted'
        end as outreach_section,
        case
            when timed.response_delay_minutes is null or timed.response_delay_minutes < 0 then null
            when timed.response_delay_minutes < {{ golden_minutes }} then 'Within {{ golden_minutes }} Minutes'
            when timed.response_delay_minutes < {{ immediate_minutes }} then 'Within 1 Hour'
            when timed.response_delay_minutes < {{ urgent_minutes }} then 'Late (1-24 Hours)'
            when timed.response_delay_minutes < {{ at_risk_minutes }} then 'Very Late (1-3 Days)'
            else 'Critically Late (3+ Days)'
        end as response_delay_bucket
    from timed

),

prioritised as (

    select
        classified.*,
        case classified.outreach_section
            when 'Data Quality' then 'Data Quality'
            when 'No Outreach'
                then
                    case
                        when classified.minutes_waiting_without_contact < {{ immediate_minutes }} then 'P0 - Immediate'
                        when classified.minutes_waiting_without_contact < {{ urgent_minutes }} then 'P1 - Urgent'
                        when classified.minutes_waiting_without_contact < {{ at_risk_minutes }} then 'P2 - At Risk'
                        else 'Expired'
                    end
            when 'Contacted' then
                case
                    -- Contacted but silent beyond the Aging window: outreach is over, it belongs in nurture.
                    when classified.days_inactive > {{ var('lead_health_aging_max_days') }} then 'Expired'
                    when classified.response_delay_minutes >= {{ urgent_minutes }} then 'P3 - Recover'
                    else 'P4 - Follow Up'
                end
        end as outreach_priority
    from classified

),

final as (

    select
        prioritised.lead_id,
        prioritised.contact_id,
        prioritised.account_id,
        prioritised.owner_user_id,
        prioritised.converted_opportunity_id,
        prioritised.channel,
        prioritised.lead_source,
        prioritised.lead_source_group,
        coalesce(prioritised.account_segment, 'Unknown') as account_segment,
        prioritised.account_region,
        prioritised.lead_status,
        prioritised.is_converted,
        prioritised.is_open_lead,
        prioritised.created_at,
        prioritised.form_submitted_at,
        prioritised.outreach_anchor_at,
        prioritised.first_contact_at,
        prioritised.last_activity_at,
        prioritised.current_status_entered_at,
        cast(prioritised.speed_to_lead_minutes as {{ dbt.type_int() }}) as speed_to_lead_minutes,
        cast(prioritised.response_delay_minutes as {{ dbt.type_int() }}) as response_delay_minutes,
        cast(prioritised.minutes_waiting_without_contact as {{ dbt.type_int() }}) as minutes_waiting_without_contact,
        prioritised.days_since_created as days_in_pipeline,
        {{ dbt.datediff('cast(prioritised.current_status_entered_at as date)', as_of_date(), 'day') }}
            as days_in_current_status,
        prioritised.days_inactive as days_since_last_activity,
        prioritised.call_count,
        prioritised.text_count,
        prioritised.email_count,
        prioritised.touch_count as total_touch_count,
        prioritised.touch_channel_count,
        prioritised.is_decision_maker_connected,
        prioritised.is_contact_decision_maker,
        prioritised.working_lead_health,
        case prioritised.working_lead_health
            when 'Active' then 'Low'
            when 'Aging' then 'Medium'
            when 'Stale' then 'High'
        end as risk_level,
        cast(prioritised.predicted_monthly_value_amount as {{ type_money() }}) as predicted_monthly_value_amount,
        prioritised.forecasted_annual_revenue_amount,
        cast(prioritised.win_probability as decimal(5, 4)) as win_probability,
        cast(prioritised.forecasted_annual_revenue_amount * prioritised.win_probability as {{ type_money() }})
            as potential_annual_revenue_amount,
        tiers.tier_name as predicted_sales_tier,
        tiers.tier_rank as predicted_sales_tier_rank,
        coalesce(tiers.is_high_value, false) as is_high_value,
        prioritised.outreach_section,
        prioritised.outreach_priority,
        prioritised.response_delay_bucket,
        case prioritised.outreach_priority
            when 'Data Quality' then 'DATA QUALITY'
            when 'Expired' then 'EXPIRED'
            when 'P3 - Recover' then 'RE-ENGAGE'
            when 'P4 - Follow Up' then 'MONITOR'
            else case when prioritised.outreach_priority is not null then 'ACTION REQUIRED' end
        end as dashboard_status
    from prioritised
    left join tiers
        on prioritised.forecasted_annual_revenue_amount >= tiers.min_annual_value_amount
            and (
                tiers.max_annual_value_amount is null
                or prioritised.forecasted_annual_revenue_amount < tiers.max_annual_value_amount
            )

)

select
    *,
    coalesce(dashboard_status in ('ACTION REQUIRED', 'RE-ENGAGE', 'MONITOR'), false) as is_actionable,
    coalesce(dashboard_status = 'ACTION REQUIRED' and is_high_value, false) as is_high_value_urgent
from final
