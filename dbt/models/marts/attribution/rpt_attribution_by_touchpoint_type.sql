{#- Marketing against sales outreach: attributed pipeline by touchpoint type per model (Unattributed is its
    own type, so each model's rows add up to the total pipeline). -#}
with

credits as (

    select * from {{ ref('fct_attribution_credit') }}

),

by_type as (

    select
        attribution_model,
        touchpoint_type,
        {{ attribution_measures() }}
    from credits
    group by attribution_model, touchpoint_type

),

final as (

    select
        *,
        {{ safe_ratio('attributed_pipeline_amount',
                      'sum(attributed_pipeline_amount) over (partition by attribution_model)') }}
            as pipeline_share
    from by_type

)

select * from final
