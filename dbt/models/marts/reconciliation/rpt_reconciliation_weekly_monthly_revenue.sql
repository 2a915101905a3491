{#- Weekly against monthly recognised revenue, one row: the weekly O2R mart (rpt_o2r_revenue_weekly, the
    whole base) and the monthly mart (rpt_revenue_monthly) summed over their own spans, and the revenue of the
    days only one of the two spans covers (the weekly span runs from its first Monday to the Sunday of the as-of
    week, the monthly one from the 1st of its first month to the end of the as-of month). Reconciled when
    weekly - monthly = weekly-only days - monthly-only days within var
    reconciliation_weekly_monthly_tolerance_amount + var reconciliation_weekly_monthly_tolerance_rate x the
    monthly total (the weekly mart sums account-weeks rounded to cents): neither mart drops or double counts
    revenue. -#}
with

weekly as (

    select * from {{ ref('rpt_o2r_revenue_weekly') }}
    where cut_name = 'all'

),

monthly as (

    select * from {{ ref('rpt_revenue_monthly') }}

),

daily_revenue as (

    select * from {{ ref('int_billing__account_daily_revenue') }}

),

spans as (

    select
        (select min(week_start_date) from weekly) as weekly_first_date,
        cast({{ dbt.dateadd('day', 6, '(select max(week_start_date) from weekly)') }} as date) as weekly_last_date,
        (select min(month_start_date) from monthly) as monthly_first_date,
        cast({{ dbt.last_day('(select max(month_start_date) from monthly)', 'month') }} as date)
            as monthly_last_date

),

edges as (

    select
        sum(
            case
                when daily_revenue.date_day between spans.weekly_first_date and spans.weekly_last_date
                    and not daily_revenue.date_day between spans.monthly_first_date and spans.monthly_last_date
                    then daily_revenue.revenue_amount
                else 0
            end
        ) as weekly_only_amount,
        sum(
            case
                when daily_revenue.date_day between spans.monthly_first_date and spans.monthly_last_date
                    and not daily_revenue.date_day between spans.weekly_first_date and spans.weekly_last_date
                    then daily_revenue.revenue_amount
                else 0
            end
        ) as monthly_only_amount
    from daily_revenue
    cross join spans

),

totals as (

    select
        spans.weekly_first_date,
        spans.weekly_last_date,
        spans.monthly_first_date,
        spans.monthly_last_date,
        (select sum(weekly.revenue_amount) from weekly) as weekly_revenue_amount,
        (select sum(monthly.revenue_amount) from monthly) as monthly_revenue_amount,
        coalesce(edges.weekly_only_amount, 0) as weekly_only_amount,
        coalesce(edges.monthly_only_amount, 0) as monthly_only_amount
    from spans
    cross join edges

)

select
    weekly_first_date,
    weekly_last_date,
    monthly_first_date,
    monthly_last_date,
    cast(weekly_revenue_amount as {{ type_money() }}) as weekly_revenue_amount,
    cast(monthly_revenue_amount as {{ type_money() }}) as monthly_revenue_amount,
    cast(weekly_only_amount as {{ type_money() }}) as weekly_only_amount,
    cast(monthly_only_amount as {{ type_money() }}) as monthly_only_amount,
    cast(
        coalesce(weekly_revenue_amount, 0) - coalesce(monthly_revenue_amount, 0)
        - (weekly_only_amount - monthly_only_amount)
        as {{ type_money() }}
    ) as unexplained_difference_amount,
    abs(
        coalesce(weekly_revenue_amount, 0) - coalesce(monthly_revenue_amount, 0)
        - (weekly_only_amount - monthly_only_amount)
    ) <= {{ var('reconciliation_weekly_monthly_tolerance_amount') }}
    + {{ var('reconciliation_weekly_monthly_tolerance_rate') }} * abs(coalesce(monthly_revenue_amount, 0))
        as is_reconciled
from totals
