{#- Which channels source the pipeline (seed 001's headline question), under every attribution model: one row
    per model and channel, Unattributed included, so each model's rows add up to the total pipeline. -#}
with

credits as (

    select * from {{ ref('fct_attribution_credit') }}

),

by_channel as (

    select
        attribution_model,
        channel,
        channel_group,
        {{ attribution_measures() }}
    from credits
    group by attribution_model, channel, channel_group

),

final as (

    select
        *,
        {{ safe_ratio('attributed_pipeline_amount',
                      'sum(attributed_pipeline_amount) over (partition by attribution_model)') }}
            as pipeline_share,
        {{ safe_ratio('attributed_won_amount', 'sum(attributed_won_amount) over (partition by attribution_model)') }}
            as won_share,
        rank() over (partition by attribution_model order by attributed_pipeline_amount desc) as pipeline_rank
    from by_channel

)

select * from final
