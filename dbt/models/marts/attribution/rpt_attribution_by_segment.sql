{#- Attributed pipeline by sales segment and channel, per model (seed 001: "how does this look by sales
    segment?"). Shares are of the segment's pipeline under the model. -#}
with

credits as (

    select * from {{ ref('fct_attribution_credit') }}

),

by_segment as (

    select
        attribution_model,
        sales_segment,
        channel,
        channel_group,
        {{ attribution_measures() }}
    from credits
    group by attribution_model, sales_segment, channel, channel_group

),

final as (

    select
        *,
        {{ safe_ratio('attributed_pipeline_amount',
                      'sum(attributed_pipeline_amount) over (partition by attribution_model, sales_segment)') }}
            as segment_pipeline_share,
        rank() over (
            partition by attribution_model, sales_segment order by attributed_pipeline_amount desc
        ) as segment_pipeline_rank
    from by_segment

)

select * from final
