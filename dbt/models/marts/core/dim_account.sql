{#- One row per account with its firmographics and where it stands as of the as-of date:
    customer (a subscription in force), churned (had one, none now) or prospect (never had one). -#}
with

accounts as (

    select * from {{ ref('stg_crm__accounts') }}

),

subscription_versions as (

    select * from {{ ref('int_billing__subscription_versions') }}

),

plans as (

    select * from {{ ref('plans') }}

),

won_opportunities as (

    select
        account_id,
        min(close_date) as first_won_date
    from {{ ref('stg_crm__opportunities') }}
    where is_won
        and close_date <= {{ as_of_date() }}
    group by account_id

),

first_subscription as (

    select
        account_id,
        min(cast(valid_from as date)) as first_subscription_date
    from subscription_versions
    where cast(valid_from as date) <= {{ as_of_date() }}
    group by account_id

),

-- Subscriptions as they stood at the end of the as-of date.
subscription_status as (

    select
        subscription_versions.account_id,
        sum(case when subscription_versions.is_in_force then subscription_versions.mrr_amount else 0 end)
            as current_mrr_amount,
        max(case when subscription_versions.is_in_force then plans.plan_tier end) as current_plan_tier,
        sum(case when subscription_versions.is_in_force then 1 else 0 end) as active_subscription_count
    from subscription_versions
    left join plans
        on subscription_versions.plan_name = plans.plan_name
    where cast(subscription_versions.valid_from as date) <= {{ as_of_date() }}
        and (
            subscription_versions.valid_to is null
            or cast(subscription_versions.valid_to as date) > {{ as_of_date() }}
        )
    group by subscription_versions.account_id

),

final as (

    select
        accounts.account_id,
        accounts.account_name,
        accounts.industry,
        accounts.segment,
        accounts.region,
        accounts.country_code,
        accounts.employee_count,
        accounts.employee_band,
        accounts.owner_user_id,
        accounts.account_type as crm_account_type,
        case
            when coalesce(subscription_status.active_subscription_count, 0) > 0 then 'customer'
            when first_subscription.account_id is not null then 'churned'
            else 'prospect'
        end as lifecycle_stage,
        won_opportunities.first_won_date,
        first_subscription.first_subscription_date,
        coalesce(subscription_status.current_mrr_amount, 0) as current_mrr_amount,
        current_plan.plan_name as current_plan_name,
        accounts.created_at
    from accounts
    left join first_subscription
        on accounts.account_id = first_subscription.account_id
    left join subscription_status
        on accounts.account_id = subscription_status.account_id
    left join plans as current_plan
        on subscription_status.current_plan_tier = current_plan.plan_tier
    left join won_opportunities
        on accounts.account_id = won_opportunities.account_id

)

select * from final
