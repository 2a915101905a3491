{#- One row per from stage x to stage x opportunity type: how many times an opportunity moved directly
    from one stage to the next (closed stages included as destinations), that move's share of all exits
    from the from stage (the advancement probability), whether it went backwards, and how many days the
    opportunity had spent in the from stage before the move. -#}
with

spells as (

    select * from {{ ref('int_crm__opportunity_stage_spells') }}

),

moves as (

    select * from spells
    where is_completed

),

transitions as (

    select
        stage_name as from_stage,
        stage_order as from_stage_order,
        next_stage_name as to_stage,
        next_stage_order as to_stage_order,
        opportunity_type,
        is_regression,
        count(*) as transition_count,
        avg(days_in_stage) as avg_days_before_transition
    from moves
    group by stage_name, stage_order, next_stage_name, next_stage_order, opportunity_type, is_regression

),

with_exits as (

    select
        *,
        cast(sum(transition_count) over (partition by from_stage, opportunity_type) as {{ dbt.type_bigint() }})
            as from_stage_exit_count
    from transitions

),

final as (

    select
        from_stage,
        from_stage_order,
        to_stage,
        to_stage_order,
        opportunity_type,
        transition_count,
        from_stage_exit_count,
        {{ safe_ratio('transition_count', 'from_stage_exit_count') }} as transition_share,
        is_regression,
        cast(round(cast(avg_days_before_transition as {{ dbt.type_numeric() }}), 2) as numeric(12, 2))
            as avg_days_before_transition
    from with_exits

)

select * from final
