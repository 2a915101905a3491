{#- Per from stage and opportunity type, the transitions share out every exit: their counts add up to the
    exit count and their shares (rounded to 4 decimals each) to 1 within the rounding. -#}
with

transitions as (

    select * from {{ ref('rpt_stage_transitions') }}

),

per_from_stage as (

    select
        from_stage,
        opportunity_type,
        max(from_stage_exit_count) as from_stage_exit_count,
        sum(transition_count) as transition_count,
        sum(transition_share) as transition_share,
        count(*) as to_stage_count
    from transitions
    group by from_stage, opportunity_type

)

select *
from per_from_stage
where transition_count <> from_stage_exit_count
    or abs(transition_share - 1) > 0.00005 * to_stage_count
