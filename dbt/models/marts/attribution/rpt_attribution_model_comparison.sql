{#- How much a channel's credit depends on the attribution model: one row per channel with its attributed
    pipeline and pipeline share under every model side by side, and the spread between its lowest and
    highest share. A wide spread means the channel's reputation rests on the model chosen. -#}
{%- set models = attribution_models() -%}
with

by_channel as (

    select * from {{ ref('rpt_attribution_by_channel') }}

),

final as (

    select
        channel,
        channel_group,
        {%- for model in models %}
        sum(case when attribution_model = '{{ model }}' then attributed_pipeline_amount else 0 end)
            as {{ model }}_pipeline_amount,
        {%- endfor %}
        {%- for model in models %}
        max(case when attribution_model = '{{ model }}' then pipeline_share end) as {{ model }}_pipeline_share,
        {%- endfor %}
        min(pipeline_share) as min_pipeline_share,
        max(pipeline_share) as max_pipeline_share,
        max(pipeline_share) - min(pipeline_share) as pipeline_share_spread
    from by_channel
    group by channel, channel_group

)

select * from final
