{#- Attribution credit in long format: one row per attribution model x opportunity x touchpoint of
    fct_opportunity_touchpoints (zero-credit touches included), plus one Unattributed row per model for each
    opportunity without a touch in its window. Per model and opportunity the credit fractions sum to 1 and the
    attributed amounts to the opportunity's amounts to the cent (the cents left over by rounding go to the
    touches with the largest remainders, earliest first). -#}
{%- set u_share = var('attribution_u_shaped_milestone_share') -%}
{%- set w_share = var('attribution_w_shaped_milestone_share') -%}
with

opportunities as (

    select * from {{ ref('int_attribution__opportunities') }}

),

touchpoints as (

    select * from {{ ref('fct_opportunity_touchpoints') }}

),

models as (

    {%- for model in attribution_models() %}
    select '{{ model }}' as attribution_model{{ " union all" if not loop.last }}
    {%- endfor %}

),

touch_weights as (

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
    from touchpoints

),

touch_fractions as (

    select
        *,
        -- Position-based: the milestone share split evenly over the distinct milestone touches and the rest
        -- over the other touches; with no other touch, the milestones share everything.
        case
            when touch_count = u_milestone_count then 1.0 / u_milestone_count
            when is_first_touch or is_last_touch then {{ u_share }} / u_milestone_count
            else (1 - {{ u_share }}) / (touch_count - u_milestone_count)
        end as u_shaped_fraction,
        case
            when touch_count = w_milestone_count then 1.0 / w_milestone_count
            when is_first_touch or is_last_touch or is_lead_creation_touch then {{ w_share }} / w_milestone_count
            else (1 - {{ w_share }}) / (touch_count - w_milestone_count)
        end as w_shaped_fraction,
        decay_weight / sum(decay_weight) over (partition by opportunity_id) as time_decay_fraction
    from touch_weights

),

touch_credits as (

    select
        models.attribution_model,
        touch_fractions.opportunity_id,
        touch_fractions.touchpoint_id,
        touch_fractions.touchpoint_type,
        touch_fractions.channel,
        touch_fractions.channel_group,
        touch_fractions.contact_id,
        touch_fractions.touched_at,
        touch_fractions.touch_sequence,
        touch_fractions.touch_count,
        cast(
            case models.attribution_model
                when 'first_touch' then case when touch_fractions.is_first_touch then 1 else 0 end
                when 'last_touch' then case when touch_fractions.is_last_touch then 1 else 0 end
                when 'linear' then 1.0 / touch_fractions.touch_count
                when 'u_shaped' then touch_fractions.u_shaped_fraction
                when 'w_shaped' then touch_fractions.w_shaped_fraction
                when 'time_decay' then touch_fractions.time_decay_fraction
            end
            as {{ dbt.type_float() }}
        ) as credit_fraction
    from touch_fractions
    cross join models

),

unattributed_credits as (

    select
        models.attribution_model,
        opportunities.opportunity_id,
        cast(null as {{ dbt.type_string() }}) as touchpoint_id,
        'Unattributed' as touchpoint_type,
        'Unattributed' as channel,
        'Unattributed' as channel_group,
        cast(null as {{ dbt.type_string() }}) as contact_id,
        cast(null as {{ dbt.type_timestamp() }}) as touched_at,
        cast(null as {{ dbt.type_bigint() }}) as touch_sequence,
        cast(0 as {{ dbt.type_bigint() }}) as touch_count,
        cast(1 as {{ dbt.type_float() }}) as credit_fraction
    from opportunities
    cross join models
    where not exists (
        select 1
        from touchpoints
        where touchpoints.opportunity_id = opportunities.opportunity_id
    )

),

credits as (

    select * from touch_credits
    union all
    select * from unattributed_credits

),

cents as (

    select
        credits.*,
        opportunities.opportunity_type,
        opportunities.sales_segment,
        opportunities.opportunity_created_at,
        opportunities.opportunity_created_month,
        opportunities.is_won,
        opportunities.pipeline_amount,
        cast(opportunities.pipeline_amount * 100 as {{ dbt.type_float() }}) * credits.credit_fraction
            as exact_cents,
        floor(cast(opportunities.pipeline_amount * 100 as {{ dbt.type_float() }}) * credits.credit_fraction)
            as floor_cents
    from credits
    inner join opportunities
        on credits.opportunity_id = opportunities.opportunity_id

),

ranked as (

    select
        *,
        pipeline_amount * 100
        - sum(floor_cents) over (partition by attribution_model, opportunity_id) as leftover_cents,
        row_number() over (
            partition by attribution_model, opportunity_id
            order by exact_cents - floor_cents desc, touch_sequence
        ) as remainder_rank
    from cents

),

allocated as (

    select
        *,
        floor_cents + case when remainder_rank <= leftover_cents then 1 else 0 end as allocated_cents
    from ranked

),

final as (

    select
        {{ dbt.concat(['attribution_model', "'|'", 'opportunity_id', "'|'", "coalesce(touchpoint_id, 'Unattributed')"]) }}
            as attribution_credit_id,
        attribution_model,
        opportunity_id,
        touchpoint_id,
        opportunity_type,
        sales_segment,
        opportunity_created_at,
        opportunity_created_month,
        touchpoint_type,
        channel,
        channel_group,
        contact_id,
        touched_at,
        touch_sequence,
        touch_count,
        touchpoint_id is not null as is_attributed,
        credit_fraction,
        cast(allocated_cents / 100.0 as {{ type_money() }}) as attributed_pipeline_amount,
        cast(case when is_won then allocated_cents / 100.0 else 0 end as {{ type_money() }})
            as attributed_won_amount
    from allocated

)

select * from final
