{#- Every move in the stage history of a staged opportunity is in rpt_stage_transitions: history rows minus
    one first entry per opportunity equals the transitions counted. -#}
with

report as (

    select sum(transition_count) as reported_transition_count
    from {{ ref('rpt_stage_transitions') }}

),

stage_history as (

    select * from {{ ref('stg_crm__opportunity_stage_history') }}

),

opportunities as (

    select * from {{ ref('stg_crm__opportunities') }}

),

history as (

    select count(*) - count(distinct stage_history.opportunity_id) as history_move_count
    from stage_history
    inner join opportunities
        on stage_history.opportunity_id = opportunities.opportunity_id

)

select
    report.reported_transition_count,
    history.history_move_count
from report
cross join history
where coalesce(report.reported_transition_count, 0) <> history.history_move_count
