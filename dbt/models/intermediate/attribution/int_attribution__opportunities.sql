{#- The opportunities attribution credits (var attribution_opportunity_types), with what every attribution
    model needs: amounts, segment, the creation instant (the end of the lookback window), and when the
    originating lead was created (the W-shaped model's middle milestone). -#}
with

opportunities as (

    select * from {{ ref('int_crm__opportunities_enriched') }}

),

leads as (

    select * from {{ ref('stg_crm__leads') }}

),

final as (

    select
        opportunities.opportunity_id,
        opportunities.account_id,
        opportunities.opportunity_type,
        coalesce(opportunities.sales_segment, 'Unknown') as sales_segment,
        opportunities.channel as lead_channel,
        opportunities.lead_id,
        leads.created_at as lead_created_at,
        opportunities.created_at as opportunity_created_at,
        opportunities.is_pre_history,
        cast({{ dbt.date_trunc('month', 'opportunities.created_at') }} as date) as opportunity_created_month,
        opportunities.stage_name,
        opportunities.is_won,
        opportunities.acv_amount as pipeline_amount,
        cast(case when opportunities.is_won then opportunities.acv_amount else 0 end as {{ type_money() }})
            as won_amount
    from opportunities
    left join leads
        on opportunities.lead_id = leads.lead_id
    where opportunities.opportunity_type in (
            {%- for opportunity_type in var('attribution_opportunity_types') %}
            '{{ opportunity_type }}'{{ "," if not loop.last }}
            {%- endfor %}
        )

)

select * from final
