{#- Seed 001's opportunity_touchpoints table: one row per opportunity and touchpoint, for every touch of any
    contact of the opportunity's account from var attribution_window_days days before the opportunity's
    creation up to the creation instant, both ends included. Touches are numbered in time order; touches at the same
    instant are ordered by type (marketing before sales), then by touch id compared byte by byte, so the
    first and last touch are always exactly one touch each. Each touch carries its credit under every
    attribution model (fct_attribution_credit has the definitions and the same credits in long format). -#}
{%- set u_share = var('attribution_u_shaped_milestone_share') -%}
{%- set w_share = var('attribution_w_shaped_milestone_share') -%}
with

opportunities as (

    select * from {{ ref('int_attribution__opportunities') }}

),

touchpoints as (

    select * from {{ ref('int_touchpoints__unioned') }}

),

in_window as (

    select
        opportunities.opportunity_id,
        opportunities.account_id,
        opportunities.opportunity_type,
        opportunities.sales_segment,
        opportunities.opportunity_created_at,
        opportunities.opportunity_created_month,
        opportunities.lead_created_at,
        opportunities.pipeline_amount,
        opportunities.won_amount,
        opportunities.is_won,
        touchpoints.touchpoint_id,
        touchpoints.touchpoint_type,
        touchpoints.channel,
        touchpoints.channel_group,
        touchpoints.campaign_id,
        touchpoints.contact_id,
        touchpoints.touched_at,
        cast(
            {{ dbt.datediff('touchpoints.touched_at', 'opportunities.opportunity_created_at', 'second') }}
            as {{ dbt.type_bigint() }}
        ) as seconds_before_creation,
        row_number() over (
            partition by opportunities.opportunity_id
            order by
                touchpoints.touched_at,
                touchpoints.touchpoint_type,
                {{ bytewise('touchpoints.touch_id') }}
        ) as touch_sequence
    from opportunities
    inner join touchpoints
        on opportunities.account_id = touchpoints.account_id
            and touchpoints.touched_at
            >= {{ dbt.dateadd('day', 0 - var('attribution_window_days'), 'opportunities.opportunity_created_at') }}
            and opportunities.opportunity_created_at >= touchpoints.touched_at

),

sequenced as (

    select
        *,
        count(*) over (partition by opportunity_id) as touch_count,
        -- The lead-creation touch: the latest touch at or before the moment the opportunity's lead was created.
        max(case when touched_at <= lead_created_at then touch_sequence end)
            over (partition by opportunity_id) as lead_creation_touch_sequence
    from in_window

),

flagged as (

    select
        *,
        touch_sequence = 1 as is_first_touch,
        touch_sequence = touch_count as is_last_touch,
        coalesce(touch_sequence = lead_creation_touch_sequence, false) as is_lead_creation_touch
    from sequenced

),

milestones as (

    select
        *,
        case when touch_count = 1 then 1 else 2 end as u_milestone_count,
        sum(case when is_first_touch or is_last_touch or is_lead_creation_touch then 1 else 0 end)
            over (partition by opportunity_id) as w_milestone_count,
        power(
            2.0,
            0 - cast(seconds_before_creation as {{ dbt.type_float() }})
            / ({{ var('attribution_time_decay_half_life_days') }} * 86400.0)
        ) as decay_weight
    from flagged

),

final as (

    select
        {{ dbt.concat(['opportunity_id', "'|'", 'touchpoint_id']) }} as opportunity_touchpoint_id,
        opportunity_id,
        account_id,
        opportunity_type,
        sales_segment,
        opportunity_created_at,
        opportunity_created_month,
        pipeline_amount,
        won_amount,
        is_won,
        touchpoint_id,
        touchpoint_type,
        channel,
        channel_group,
        campaign_id,
        contact_id,
        touched_at,
        cast(touched_at as date) as touched_date,
        seconds_before_creation,
        touch_sequence,
        touch_count,
        is_first_touch,
        is_last_touch,
        is_lead_creation_touch,
        cast(case when is_first_touch then 1 else 0 end as {{ dbt.type_float() }}) as first_touch_credit,
        cast(case when is_last_touch then 1 else 0 end as {{ dbt.type_float() }}) as last_touch_credit,
        cast(1.0 / touch_count as {{ dbt.type_float() }}) as linear_credit,
        -- Position-based: the milestone share split evenly over the distinct milestone touches and the rest
        -- over the other touches; when every touch is a milestone, the milestones share everything.
        cast(
            case
                when touch_count = u_milestone_count then 1.0 / u_milestone_count
                when is_first_touch or is_last_touch then {{ u_share }} / u_milestone_count
                else (1 - {{ u_share }}) / (touch_count - u_milestone_count)
            end
            as {{ dbt.type_float() }}
        ) as u_shaped_credit,
        cast(
            case
                when touch_count = w_milestone_count then 1.0 / w_milestone_count
                when is_first_touch or is_last_touch or is_lead_creation_touch then {{ w_share }} / w_milestone_count
                else (1 - {{ w_share }}) / (touch_count - w_milestone_count)
            end
            as {{ dbt.type_float() }}
        ) as w_shaped_credit,
        decay_weight / sum(decay_weight) over (partition by opportunity_id) as time_decay_credit
    from milestones

)

select * from final
