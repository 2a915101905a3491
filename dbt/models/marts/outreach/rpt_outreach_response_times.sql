{#- Speed to lead of the open leads that got a first touch (seed 000, Data Product 2): the rows of
    rpt_lead_outreach_priority with a response delay (first contact present), aggregated to one row per
    channel x outreach section x response-delay bucket, with the delay distribution in minutes. -#}
with

contacted as (

    select * from {{ ref('rpt_lead_outreach_priority') }}
    where response_delay_minutes is not null

)

select
    channel,
    outreach_section,
    response_delay_bucket,
    cast(count(*) as {{ dbt.type_bigint() }}) as lead_count,
    cast(sum(response_delay_minutes) as {{ dbt.type_bigint() }}) as total_response_delay_minutes,
    cast({{ percentile_cont('response_delay_minutes', 0.5) }} as {{ dbt.type_float() }})
        as median_response_delay_minutes,
    cast({{ percentile_cont('response_delay_minutes', 0.9) }} as {{ dbt.type_float() }})
        as p90_response_delay_minutes,
    min(response_delay_minutes) as min_response_delay_minutes,
    max(response_delay_minutes) as max_response_delay_minutes
from contacted
group by channel, outreach_section, response_delay_bucket
