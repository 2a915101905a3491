{#- The Speed-to-Lead queue's summary table (seed 000, Data Product 2): rpt_lead_outreach_priority aggregated to
    one row per outreach section x outreach priority x dashboard status x channel. Counts and sums are exact
    and add up to the row-level queue (tested); a null in a grain column stays its own group. -#}
with

queue as (

    select * from {{ ref('rpt_lead_outreach_priority') }}

)

select
    outreach_section,
    outreach_priority,
    dashboard_status,
    channel,
    outreach_priority_rank,
    cast(count(*) as {{ dbt.type_bigint() }}) as lead_count,
    cast(sum(predicted_monthly_value_amount) as {{ type_money() }}) as total_predicted_monthly_value_amount,
    cast(sum(case when is_actionable then 1 else 0 end) as {{ dbt.type_bigint() }}) as actionable_lead_count,
    cast(sum(case when is_high_value_urgent then 1 else 0 end) as {{ dbt.type_bigint() }})
        as high_value_urgent_lead_count
from queue
group by outreach_section, outreach_priority, dashboard_status, channel, outreach_priority_rank
