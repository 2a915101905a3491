{#- Where every lead stands (seed 000, Leak #3): one row per lead status x channel with its count and its
    share of all leads and of the channel's leads. -#}
with

leads as (

    select * from {{ ref('ops_leads') }}

),

counts as (

    select
        lead_status,
        channel,
        count(*) as lead_count
    from leads
    group by lead_status, channel

)

select
    lead_status,
    channel,
    lead_count,
    cast(cast(lead_count as {{ dbt.type_numeric() }}) / sum(lead_count) over () as numeric(10, 4))
        as share_of_all_leads,
    cast(cast(lead_count as {{ dbt.type_numeric() }}) / sum(lead_count) over (partition by channel) as numeric(10, 4))
        as share_of_channel_leads
from counts
