{#- The funnel per acquisition channel (seed 000, Section 2): leads, conversion to opportunity, outcomes of
    those opportunities, and the leads stuck in Working or with bad contact data. One row per lead channel. -#}
with

leads as (

    select * from {{ ref('ops_leads') }}

),

opportunities as (

    select * from {{ ref('ops_opportunities') }}

),

lead_counts as (

    select
        channel,
        count(*) as total_leads,
        sum(case when is_converted then 1 else 0 end) as converted_leads,
        sum(case when lead_status = 'Working' then 1 else 0 end) as working_leads,
        sum(case when lead_status = 'Incorrect Contact Data' then 1 else 0 end) as bad_contact_data_leads
    from leads
    group by channel

),

-- Outcomes of the New Business opportunities the channel's leads turned into.
opportunity_counts as (

    select
        channel,
        count(*) as opportunities,
        sum(case when is_won then 1 else 0 end) as won_deals,
        sum(case when is_lost then 1 else 0 end) as lost_deals,
        sum(case when is_open then 1 else 0 end) as open_opportunities
    from opportunities
    where opportunity_type = 'New Business' and lead_id is not null
    group by channel

)

select
    lead_counts.channel,
    lead_counts.total_leads,
    lead_counts.converted_leads,
    {{ safe_ratio('lead_counts.converted_leads', 'lead_counts.total_leads') }} as lead_to_opportunity_rate,
    coalesce(opportunity_counts.opportunities, 0) as opportunities,
    coalesce(opportunity_counts.won_deals, 0) as won_deals,
    coalesce(opportunity_counts.lost_deals, 0) as lost_deals,
    coalesce(opportunity_counts.open_opportunities, 0) as open_opportunities,
    {{ safe_ratio('opportunity_counts.won_deals', 'opportunity_counts.won_deals + opportunity_counts.lost_deals') }}
        as win_rate_of_closed,
    lead_counts.working_leads,
    lead_counts.bad_contact_data_leads
from lead_counts
left join opportunity_counts
    on lead_counts.channel = opportunity_counts.channel
