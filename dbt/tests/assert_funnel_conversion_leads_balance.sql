{#- No lead lost: the leads counted across every row of rpt_funnel_conversion equal the staged leads. -#}
with

report as (

    select sum(leads_count) as reported_leads_count
    from {{ ref('rpt_funnel_conversion') }}

),

leads as (

    select count(*) as staged_leads_count
    from {{ ref('stg_crm__leads') }}

)

select
    report.reported_leads_count,
    leads.staged_leads_count
from report
cross join leads
where coalesce(report.reported_leads_count, 0) <> leads.staged_leads_count
