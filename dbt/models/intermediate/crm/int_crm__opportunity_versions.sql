{#- Every accepted version of every opportunity with the interval it was in effect: bronze keeps each CDC
    version the CRM exported, and the snapshot keeps versions a source may later overwrite (CSV imports that
    replace a table). The union, one row per (opportunity, updated_at), preferring today's cleaning rules. -#}
with

bronze_versions as (

    -- Base, not staging: staging keeps only the latest version.
    select
        opportunity_id,
        account_id,
        owner_user_id,
        stage_name,
        acv_amount,
        probability,
        forecast_category,
        close_date,
        is_closed,
        is_won,
        updated_at,
        1 as source_priority
    from {{ ref('base_crm__opportunities') }}
    where dq_reason_code is null

),

snapshot_versions as (

    select
        opportunity_id,
        account_id,
        owner_user_id,
        stage_name,
        acv_amount,
        probability,
        forecast_category,
        close_date,
        is_closed,
        is_won,
        updated_at,
        2 as source_priority
    from {{ ref('snap_crm__opportunities') }}

),

all_versions as (

    select * from bronze_versions
    union all
    select * from snapshot_versions

),

ranked as (

    select
        *,
        row_number() over (
            partition by opportunity_id, updated_at
            order by source_priority
        ) as duplicate_rank
    from all_versions

),

versions as (

    select
        opportunity_id,
        account_id,
        owner_user_id,
        stage_name,
        acv_amount,
        probability,
        forecast_category,
        close_date,
        is_closed,
        is_won,
        updated_at as valid_from,
        lead(updated_at) over (partition by opportunity_id order by updated_at) as valid_to
    from ranked
    where duplicate_rank = 1

)

select * from versions
