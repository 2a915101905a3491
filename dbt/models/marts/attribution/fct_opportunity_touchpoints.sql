{#- Seed 001's opportunity_touchpoints table: one row per opportunity and touchpoint, for every touch of any
    contact of the opportunity's account from window_start_at (var attribution_window_days before creation)
    up to the creation instant, both ends included. Touches are numbered in time order; touches at the same
    instant are ordered by type (marketing before sales), then by touch id compared byte by byte, so the
    first and last touch are always exactly one touch each. -#}
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
        cast({{ dbt.datediff('touchpoints.touched_at', 'opportunities.opportunity_created_at', 'second') }}
            as {{ dbt.type_bigint() }}) as seconds_before_creation,
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
        and touchpoints.touched_at >= opportunities.window_start_at
        and touchpoints.touched_at <= opportunities.opportunity_created_at

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
        touch_sequence = 1 as is_first_touch,
        touch_sequence = touch_count as is_last_touch,
        coalesce(touch_sequence = lead_creation_touch_sequence, false) as is_lead_creation_touch
    from sequenced

)

select * from final
