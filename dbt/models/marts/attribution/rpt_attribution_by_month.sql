{#- Attributed pipeline per month of opportunity creation (when the pipeline was sourced), model and channel:
    the trend behind rpt_attribution_by_channel. -#}
{%- set month_pipeline_amount =
    'sum(attributed_pipeline_amount) over (partition by attribution_model, opportunity_created_month)' -%}
with

credits as (

    select * from {{ ref('fct_attribution_credit') }}

),

by_month as (

    select
        attribution_model,
        opportunity_created_month,
        channel,
        channel_group,
        {{ attribution_measures() }}
    from credits
    group by attribution_model, opportunity_created_month, channel, channel_group

),

final as (

    select
        *,
        {{ safe_ratio('attributed_pipeline_amount', month_pipeline_amount) }} as month_pipeline_share
    from by_month

)

select * from final
