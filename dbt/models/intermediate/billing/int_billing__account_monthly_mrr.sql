{#- Subscriptions expanded to one row per account per month, from the account's first subscription month to
    the as-of month (months after churn stay, with zero MRR, so churn is visible). MRR of a month is the
    committed MRR of the subscription versions in force at the end of that month. -#}
{#- A table: accounts x months since each account's first subscription (tens of thousands of rows), read by
    fct_mrr, the retention and concentration marts and the at-risk queue. -#}
{{ config(materialized='table') }}
with

versions as (

    select * from {{ ref('int_billing__subscription_versions') }}

),

months as (

    {{ months_through_as_of() }}

),

account_first_month as (

    select
        account_id,
        min(cast({{ dbt.date_trunc('month', 'valid_from') }} as date)) as first_month_start_date
    from versions
    group by account_id

),

account_months as (

    select
        account_first_month.account_id,
        months.month_start_date,
        cast({{ dbt.dateadd('month', 1, 'months.month_start_date') }} as date) as next_month_start_date
    from account_first_month
    inner join months
        on account_first_month.first_month_start_date <= months.month_start_date

),

in_force_at_month_end as (

    select
        account_months.account_id,
        account_months.month_start_date,
        versions.subscription_id,
        versions.plan_name,
        versions.mrr_amount,
        versions.has_quarantined_update
    from account_months
    inner join versions
        on account_months.account_id = versions.account_id
            and account_months.next_month_start_date > versions.valid_from
            and (versions.valid_to is null or account_months.next_month_start_date <= versions.valid_to)
    where versions.is_in_force

),

plans as (

    select * from {{ ref('plans') }}

),

monthly as (

    select
        in_force_at_month_end.account_id,
        in_force_at_month_end.month_start_date,
        sum(in_force_at_month_end.mrr_amount) as mrr_amount,
        count(*) as active_subscription_count,
        max(plans.plan_tier) as top_plan_tier,
        max(case when in_force_at_month_end.has_quarantined_update then 1 else 0 end) = 1 as has_quarantined_update
    from in_force_at_month_end
    left join plans
        on in_force_at_month_end.plan_name = plans.plan_name
    group by in_force_at_month_end.account_id, in_force_at_month_end.month_start_date

),

final as (

    select
        {{ dbt_utils.generate_surrogate_key(['account_months.account_id', 'account_months.month_start_date']) }}
            as account_month_id,
        account_months.account_id,
        account_months.month_start_date,
        cast(coalesce(monthly.mrr_amount, 0) as {{ type_money() }}) as mrr_amount,
        coalesce(monthly.active_subscription_count, 0) as active_subscription_count,
        top_plan.plan_name as top_plan_name,
        coalesce(monthly.mrr_amount, 0) > 0 as is_paying,
        coalesce(monthly.has_quarantined_update, false) as has_quarantined_update
    from account_months
    left join monthly
        on account_months.account_id = monthly.account_id
            and account_months.month_start_date = monthly.month_start_date
    left join plans as top_plan
        on monthly.top_plan_tier = top_plan.plan_tier

)

select * from final
