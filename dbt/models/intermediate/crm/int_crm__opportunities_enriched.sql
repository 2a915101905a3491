{#- One row per staged opportunity with its lead (channel, source), account segment, demo status, outcome
    flags, cycle times and the days it spent in each stage (from the stage history). -#}
{%- set stages = open_stages() -%}
{#- An open stage spell lasts until the as-of instant. -#}
{%- set spell_end = 'coalesce(left_at, cast(' ~ as_of_date() ~ ' as ' ~ dbt.type_timestamp() ~ '))' -%}
with

opportunities as (

    select * from {{ ref('stg_crm__opportunities') }}

),

leads as (

    select * from {{ ref('stg_crm__leads') }}

),

accounts as (

    select * from {{ ref('stg_crm__accounts') }}

),

stage_history as (

    select * from {{ ref('stg_crm__opportunity_stage_history') }}

),

stage_spells as (

    select
        opportunity_id,
        stage_name,
        entered_at,
        lead(entered_at) over (partition by opportunity_id order by entered_at) as left_at
    from stage_history

),

stage_durations as (

    select
        opportunity_id,
        {%- for stage in stages %}
        sum(
            case
                when stage_name = '{{ stage }}'
                    then {{ dbt.datediff('entered_at', spell_end, 'day') }}
            end
        ) as days_in_{{ stage | lower | replace(' ', '_') }},
        {%- endfor %}
        max(entered_at) as current_stage_entered_at,
        count(*) as stage_change_count
    from stage_spells
    group by opportunity_id

),

enriched as (

    select
        opportunities.opportunity_id,
        opportunities.account_id,
        opportunities.lead_id,
        opportunities.owner_user_id,
        opportunities.opportunity_type,
        -- New business inherits the lead's channel; expansions and renewals come from existing customers.
        case
            when leads.channel is not null then leads.channel
            when opportunities.opportunity_type = 'New Business' then 'Unknown'
            else 'Existing Customer'
        end as channel,
        leads.lead_source,
        accounts.segment as account_segment,
        coalesce(opportunities.sales_segment, accounts.segment) as sales_segment,
        opportunities.stage_name,
        opportunities.forecast_category,
        opportunities.acv_amount,
        opportunities.probability,
        cast(opportunities.acv_amount * opportunities.probability / 100.0 as {{ type_money() }})
            as weighted_acv_amount,
        opportunities.plan_name,
        opportunities.term_months,
        opportunities.lost_reason,
        opportunities.demo_set_at,
        opportunities.demo_held_at,
        case
            when opportunities.demo_held_at is not null then 'Demo Held'
            when opportunities.demo_set_at is not null then 'Demo Scheduled - Not Held'
            else 'No Demo Scheduled'
        end as demo_status,
        opportunities.is_closed,
        opportunities.is_won,
        opportunities.is_closed and not opportunities.is_won as is_lost,
        not opportunities.is_closed as is_open,
        opportunities.created_at,
        coalesce(
            cast(opportunities.created_at as date) < (
                select tracked_history.tracked_history_start_date
                from {{ ref('int_calendar__tracked_history') }} as tracked_history
            ),
            false
        ) as is_pre_history,
        opportunities.close_date,
        case
            when opportunities.is_closed
                then {{ dbt.datediff('cast(opportunities.created_at as date)', 'opportunities.close_date', 'day') }}
        end as days_to_close,
        case
            when not opportunities.is_closed
                then {{ dbt.datediff('cast(opportunities.created_at as date)', as_of_date(), 'day') }}
        end as days_in_pipeline,
        case
            when not opportunities.is_closed
                then {{ dbt.datediff('cast(stage_durations.current_stage_entered_at as date)', as_of_date(), 'day') }}
        end as days_in_current_stage,
        {%- for stage in stages %}
        stage_durations.days_in_{{ stage | lower | replace(' ', '_') }},
        {%- endfor %}
        coalesce(stage_durations.stage_change_count, 0) as stage_change_count
    from opportunities
    left join leads
        on opportunities.lead_id = leads.lead_id
    left join accounts
        on opportunities.account_id = accounts.account_id
    left join stage_durations
        on opportunities.opportunity_id = stage_durations.opportunity_id

)

select * from enriched
