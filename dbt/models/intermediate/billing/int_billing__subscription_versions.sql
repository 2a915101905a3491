{#- Every accepted version of every subscription with the interval it was in effect (valid_from inclusive,
    valid_to exclusive): bronze CDC versions plus the snapshot's, one row per (subscription, updated_at),
    preferring today's cleaning rules. A version is in force when its status is active. -#}
with

bronze_versions as (

    -- Base, not staging: staging keeps only the latest version.
    select
        subscription_id,
        account_id,
        plan_name,
        term_months,
        start_date,
        end_date,
        mrr_amount,
        subscription_status,
        change_type,
        updated_at,
        1 as source_priority
    from {{ ref('base_billing__subscriptions') }}
    where dq_reason_code is null

),

snapshot_versions as (

    select
        subscription_id,
        account_id,
        plan_name,
        term_months,
        start_date,
        end_date,
        mrr_amount,
        subscription_status,
        change_type,
        updated_at,
        2 as source_priority
    from {{ ref('snap_billing__subscriptions') }}

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
            partition by subscription_id, updated_at
            order by source_priority
        ) as duplicate_rank
    from all_versions

),

versions as (

    select
        subscription_id,
        account_id,
        plan_name,
        term_months,
        start_date,
        end_date,
        mrr_amount,
        subscription_status,
        change_type,
        subscription_status = 'active' as is_in_force,
        updated_at as valid_from,
        lead(updated_at) over (partition by subscription_id order by updated_at) as valid_to
    from ranked
    where duplicate_rank = 1

)

select * from versions
