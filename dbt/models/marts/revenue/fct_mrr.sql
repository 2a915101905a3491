{#- One row per customer account per month, from the account's first subscription month (its first paying
    month: the month-end MRR of a first subscription month is above zero for every account whose new version
    is staged) to the as-of month, zero months after churn kept: committed subscription MRR in force at the
    month end (int_billing__account_monthly_mrr), usage overage charged for the month, ARR (subscription MRR
    x 12: committed recurring revenue only, usage is not annualised), the MRR movement of the month against
    the previous month, the acquisition cohort, and the additive inputs of NRR/GRR (MRR
    revenue_retention_window_months earlier, and the retained amounts). -#}
with

account_monthly_mrr as (

    select * from {{ ref('int_billing__account_monthly_mrr') }}

),

usage_charges as (

    select * from {{ ref('stg_billing__usage_charges') }}

),

accounts as (

    select * from {{ ref('dim_account') }}

),

monthly_usage as (

    select
        account_id,
        usage_month_date,
        sum(usage_charge_amount) as usage_revenue_amount
    from usage_charges
    group by account_id, usage_month_date

),

with_history as (

    select
        account_month_id,
        account_id,
        month_start_date,
        top_plan_name,
        mrr_amount,
        is_paying,
        has_quarantined_update,
        coalesce(
            lag(mrr_amount) over (partition by account_id order by month_start_date), 0
        ) as previous_mrr_amount,
        coalesce(
            lag(mrr_amount, {{ var('revenue_retention_window_months') }})
                over (partition by account_id order by month_start_date),
            0
        ) as mrr_window_ago_amount,
        min(case when is_paying then month_start_date end) over (partition by account_id)
            as first_paying_month_date
    from account_monthly_mrr

),

classified as (

    select
        *,
        case
            when previous_mrr_amount = 0 and mrr_amount > 0 and month_start_date = first_paying_month_date
                then 'new'
            when previous_mrr_amount = 0 and mrr_amount > 0 then 'reactivation'
            when previous_mrr_amount > 0 and mrr_amount = 0 then 'churn'
            when previous_mrr_amount > 0 and mrr_amount > previous_mrr_amount then 'expansion'
            when previous_mrr_amount > 0 and mrr_amount < previous_mrr_amount then 'contraction'
            when previous_mrr_amount > 0 then 'flat'
            else 'inactive'
        end as mrr_movement_type
    from with_history

),

final as (

    select
        classified.account_month_id,
        classified.account_id,
        classified.month_start_date,
        coalesce(accounts.segment, 'Unknown') as segment,
        coalesce(accounts.region, 'Unknown') as region,
        classified.top_plan_name as plan_name,
        cast(classified.mrr_amount as {{ type_money() }}) as subscription_mrr_amount,
        cast(coalesce(monthly_usage.usage_revenue_amount, 0) as {{ type_money() }}) as usage_revenue_amount,
        cast(classified.mrr_amount + coalesce(monthly_usage.usage_revenue_amount, 0) as {{ type_money() }})
            as total_revenue_amount,
        cast(classified.mrr_amount * 12 as {{ type_money() }}) as arr_amount,
        classified.is_paying,
        classified.has_quarantined_update,
        coalesce(
            classified.month_start_date < (
                select cast({{ dbt.date_trunc('month', 'tracked_history.tracked_history_start_date') }} as date)
                from {{ ref('int_calendar__tracked_history') }} as tracked_history
            ),
            false
        ) as is_pre_history,
        cast(classified.previous_mrr_amount as {{ type_money() }}) as previous_mrr_amount,
        classified.mrr_movement_type,
        cast(classified.mrr_amount - classified.previous_mrr_amount as {{ type_money() }}) as mrr_change_amount,
        classified.first_paying_month_date,
        case
            when classified.first_paying_month_date is not null
                and classified.month_start_date >= classified.first_paying_month_date
                then cast(
                        {{ dbt.datediff('classified.first_paying_month_date', 'classified.month_start_date', 'month') }}
                        as {{ dbt.type_int() }}
                    )
        end as months_since_first_paying,
        cast(classified.mrr_window_ago_amount as {{ type_money() }}) as mrr_12_months_ago_amount,
        cast(
            case
                when classified.mrr_window_ago_amount > 0
                    then case
                            when classified.mrr_amount < classified.mrr_window_ago_amount then classified.mrr_amount
                            else classified.mrr_window_ago_amount
                        end
                else 0
            end as {{ type_money() }}
        ) as grr_retained_mrr_amount,
        cast(
            case when classified.mrr_window_ago_amount > 0 then classified.mrr_amount else 0 end
            as {{ type_money() }}
        ) as nrr_retained_mrr_amount
    from classified
    left join monthly_usage
        on classified.account_id = monthly_usage.account_id
            and classified.month_start_date = monthly_usage.usage_month_date
    left join accounts
        on classified.account_id = accounts.account_id

)

select * from final
