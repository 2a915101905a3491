{#- Attribution credit in long format: one row per attribution model x opportunity x touchpoint of
    fct_opportunity_touchpoints (zero-credit touches included), plus one bucket row per model for each
    opportunity without a touch in its window: Pre-history when the opportunity precedes tracked history
    (int_attribution__opportunities.is_pre_history: no touch could exist), Unattributed otherwise (a tracking
    gap). Per model and opportunity the credit fractions sum to 1 and the
    attributed amounts to the opportunity's amounts to the cent (the cents left over by rounding go to the
    touches with the largest remainders, earliest first). -#}
{%- set credit_key_parts = [
    'attribution_model', "'|'", 'opportunity_id', "'|'", "coalesce(touchpoint_id, 'Unattributed')"
] -%}
with

opportunities as (

    select * from {{ ref('int_attribution__opportunities') }}

),

touchpoints as (

    select * from {{ ref('fct_opportunity_touchpoints') }}

),

models as (

    {{ values_as_rows('attribution_model', attribution_models()) }}

),

touch_credits as (

    select
        models.attribution_model,
        touchpoints.opportunity_id,
        touchpoints.touchpoint_id,
        touchpoints.touchpoint_type,
        touchpoints.channel,
        touchpoints.channel_group,
        touchpoints.contact_id,
        touchpoints.touched_at,
        touchpoints.touch_sequence,
        touchpoints.touch_count,
        case models.attribution_model
            {%- for model in attribution_models() %}
            when '{{ model }}' then touchpoints.{{ model }}_credit
            {%- endfor %}
        end as credit_fraction
    from touchpoints
    cross join models

),

unattributed_credits as (

    select
        models.attribution_model,
        opportunities.opportunity_id,
        cast(null as {{ dbt.type_string() }}) as touchpoint_id,
        case when opportunities.is_pre_history then 'Pre-history' else 'Unattributed' end as touchpoint_type,
        case when opportunities.is_pre_history then 'Pre-history' else 'Unattributed' end as channel,
        case when opportunities.is_pre_history then 'Pre-history' else 'Unattributed' end as channel_group,
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
        {{ dbt.concat(credit_key_parts) }} as attribution_credit_id,
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
