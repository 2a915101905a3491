{#- One row per live pipeline record whose health status or risk level changed in the current build (seed 000,
    "Trigger-Based Actions"): the old and new values, when the change was recorded and the action to fire.
    Changes are read from the health snapshot: a version recorded by the same dbt invocation that built
    ops_pipeline_health, whose predecessor closed at the moment it opened. Records seen for the first time
    and records that left the pipeline are not transitions. -#}
with

snapshot_versions as (

    {%- if snapshots_supported() %}
    select * from {{ ref('snap_ops__pipeline_health') }}
    {%- else %}
    -- No snapshot on this engine (Spark without a transactional table format): no earlier build to compare
    -- with, so no transitions, as after a first build.
    select
        *,
        cast(null as {{ dbt.type_timestamp() }}) as dbt_valid_from,
        cast(null as {{ dbt.type_timestamp() }}) as dbt_valid_to
    from {{ ref('ops_pipeline_health') }}
    where 1 = 0
    {%- endif %}

),

pipeline as (

    select * from {{ ref('ops_pipeline_health') }}

),

actions as (

    select * from {{ ref('pipeline_health_actions') }}

),

current_build as (

    select max(dbt_invocation_id) as dbt_invocation_id from pipeline

),

transitions as (

    select
        new_version.record_id,
        new_version.record_type,
        new_version.account_id,
        new_version.owner_user_id,
        new_version.channel,
        new_version.account_segment,
        new_version.demo_status,
        new_version.is_demo_held,
        old_version.health_status as previous_health_status,
        new_version.health_status,
        old_version.risk_level as previous_risk_level,
        new_version.risk_level,
        new_version.days_in_pipeline,
        new_version.days_in_current_stage,
        new_version.forecasted_annual_revenue_amount,
        new_version.potential_annual_revenue_amount,
        new_version.dbt_valid_from as transitioned_at
    from snapshot_versions as new_version
    inner join current_build
        on new_version.dbt_invocation_id = current_build.dbt_invocation_id
    inner join snapshot_versions as old_version
        on new_version.record_id = old_version.record_id
            and new_version.dbt_valid_from = old_version.dbt_valid_to

),

-- The most specific action: a transition row beats the standing row of the new status; a demo-held row beats a
-- general one for demo-held opportunities.
ranked_actions as (

    select
        transitions.record_id,
        actions.recommended_action,
        actions.action_priority,
        row_number() over (
            partition by transitions.record_id
            order by
                case when actions.from_health_status is not null then 0 else 1 end,
                case when actions.is_demo_held_only then 0 else 1 end
        ) as action_rank
    from transitions
    inner join actions
        on transitions.record_type = actions.record_type
            and transitions.health_status = actions.to_health_status
            and (actions.from_health_status is null or transitions.previous_health_status = actions.from_health_status)
            and (transitions.is_demo_held or not actions.is_demo_held_only)

)

select
    transitions.*,
    case transitions.risk_level when 'High' then 3 when 'Medium' then 2 else 1 end
    > case transitions.previous_risk_level when 'High' then 3 when 'Medium' then 2 else 1 end
        as is_risk_escalation,
    ranked_actions.recommended_action,
    ranked_actions.action_priority
from transitions
left join ranked_actions
    on transitions.record_id = ranked_actions.record_id
        and ranked_actions.action_rank = 1
