{#- The opportunities of rpt_funnel_conversion are exactly the converted leads whose opportunity is
    staged, and its wins exactly those opportunities that closed won. -#}
with

report as (

    select
        sum(opportunity_count) as reported_opportunity_count,
        sum(won_count) as reported_won_count
    from {{ ref('rpt_funnel_conversion') }}

),

leads as (

    select * from {{ ref('stg_crm__leads') }}

),

opportunities as (

    select * from {{ ref('stg_crm__opportunities') }}

),

converted as (

    select
        count(*) as converted_with_opportunity_count,
        sum(case when opportunities.is_won then 1 else 0 end) as converted_won_count
    from leads
    inner join opportunities
        on leads.converted_opportunity_id = opportunities.opportunity_id
    where leads.is_converted

)

select
    report.reported_opportunity_count,
    converted.converted_with_opportunity_count,
    report.reported_won_count,
    converted.converted_won_count
from report
cross join converted
where coalesce(report.reported_opportunity_count, 0) <> converted.converted_with_opportunity_count
    or coalesce(report.reported_won_count, 0) <> coalesce(converted.converted_won_count, 0)
