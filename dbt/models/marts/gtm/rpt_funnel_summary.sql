with

leads as (

    select * from {{ ref('int_crm__leads_enriched') }}

),

by_channel as (

    select
        channel,
        count(*) as total_leads,
        sum(case when is_converted then 1 else 0 end) as converted_leads,
        sum(case when lead_status = 'Working' then 1 else 0 end) as working_leads,
        sum(case when lead_status = 'Incorrect Contact Data' then 1 else 0 end) as bad_contact_data_leads
    from leads
    group by channel

)

select
    channel,
    total_leads,
    converted_leads,
    cast(round(cast(converted_leads as {{ dbt.type_numeric() }}) / nullif(total_leads, 0), 4) as numeric(10, 4))
        as lead_to_opportunity_rate,
    working_leads,
    bad_contact_data_leads
from by_channel
