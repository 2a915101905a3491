{#- A table, not a view: a view would be dropped with its parent whenever that is replaced, taking the detached
    reconciliation test's parent with it mid-build (Airflow runs that test on its own). -#}
{{ config(materialized='table') }}
{#- Revenue recognised per account per Monday-start week: the days of int_billing__account_daily_revenue
    (subscription by service day, usage on the days the tokens were used, billed or accrued), summed. -#}
with

daily_revenue as (

    select * from {{ ref('int_billing__account_daily_revenue') }}

),

calendar as (

    select
        date_day,
        week_start_date
    from {{ ref('int_calendar__days') }}

)

select
    daily_revenue.account_id,
    calendar.week_start_date,
    sum(daily_revenue.subscription_revenue_amount) as subscription_revenue_amount,
    sum(daily_revenue.usage_revenue_amount) as usage_revenue_amount,
    sum(daily_revenue.billed_usage_revenue_amount) as billed_usage_revenue_amount,
    sum(daily_revenue.unbilled_usage_revenue_amount) as unbilled_usage_revenue_amount,
    sum(daily_revenue.billed_revenue_amount) as billed_revenue_amount,
    sum(daily_revenue.revenue_amount) as revenue_amount
from daily_revenue
inner join calendar
    on daily_revenue.date_day = calendar.date_day
group by daily_revenue.account_id, calendar.week_start_date
