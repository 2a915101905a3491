{#- Recognised revenue per calendar month, from the first month with revenue to the as-of month: subscription
    revenue by service day, usage revenue on the days it was used (invoiced, or accrued from the usage events x
    price while the invoice is pending), the billed / unbilled split and whether the month is final: over by
    the as-of date and holding no accrual (usage is invoiced in arrears on the 1st of the next month, so the
    month just closed is not final until its usage invoice exists). -#}
with

daily_revenue as (

    select * from {{ ref('int_billing__account_daily_revenue') }}

),

monthly as (

    select
        cast({{ dbt.date_trunc('month', 'date_day') }} as date) as month_start_date,
        sum(subscription_revenue_amount) as subscription_revenue_amount,
        sum(billed_usage_revenue_amount) as billed_usage_revenue_amount,
        sum(unbilled_usage_revenue_amount) as unbilled_usage_revenue_amount,
        sum(billed_revenue_amount) as billed_revenue_amount,
        sum(revenue_amount) as revenue_amount,
        count(distinct case when revenue_amount > 0 then account_id end) as revenue_account_count
    from daily_revenue
    group by 1

),

first_unbilled as (

    select min(month_start_date) as month_start_date
    from monthly
    where unbilled_usage_revenue_amount > 0

)

select
    monthly.month_start_date,
    cast(monthly.subscription_revenue_amount as {{ type_money() }}) as subscription_revenue_amount,
    cast(monthly.billed_usage_revenue_amount + monthly.unbilled_usage_revenue_amount as {{ type_money() }})
        as usage_revenue_amount,
    cast(monthly.billed_usage_revenue_amount as {{ type_money() }}) as billed_usage_revenue_amount,
    cast(monthly.unbilled_usage_revenue_amount as {{ type_money() }}) as unbilled_usage_revenue_amount,
    cast(monthly.billed_revenue_amount as {{ type_money() }}) as billed_revenue_amount,
    cast(monthly.revenue_amount as {{ type_money() }}) as revenue_amount,
    monthly.revenue_account_count,
    {{ dbt.last_day('monthly.month_start_date', 'month') }} <= {{ as_of_date() }} as is_complete_month,
    {{ dbt.last_day('monthly.month_start_date', 'month') }} <= {{ as_of_date() }}
    and monthly.month_start_date < coalesce(
        (select first_unbilled.month_start_date from first_unbilled), cast('9999-12-31' as date)
    ) as is_revenue_final
from monthly
where monthly.month_start_date <= {{ as_of_date() }}
