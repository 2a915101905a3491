{#- Every entry of a staged opportunity into an open pipeline stage is counted once in rpt_stage_velocity. -#}
with

report as (

    select sum(entry_count) as reported_entry_count
    from {{ ref('rpt_stage_velocity') }}

),

stage_history as (

    select * from {{ ref('stg_crm__opportunity_stage_history') }}

),

opportunities as (

    select * from {{ ref('stg_crm__opportunities') }}

),

history as (

    select count(*) as history_entry_count
    from stage_history
    inner join opportunities
        on stage_history.opportunity_id = opportunities.opportunity_id
    where stage_history.stage_name not in ('Closed Won', 'Closed Lost')

)

select
    report.reported_entry_count,
    history.history_entry_count
from report
cross join history
where coalesce(report.reported_entry_count, 0) <> history.history_entry_count
