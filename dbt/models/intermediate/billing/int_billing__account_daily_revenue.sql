{#- Revenue recognised per account per day, up to the as-of date, split billed / unbilled:
    - subscription revenue: every non-usage invoice (open or paid) spread evenly over the days of its service
      period [period_start_date, period_end_date) (its invoice date when it has no usable period): revenue by
      service day. Subscriptions bill in advance, so recognised subscription revenue is billed.
    - billed usage revenue: every usage invoice (billed in arrears) spread over the days of its service period
      in proportion to the account's tokens used that day (evenly when the period has no token record), so usage
      revenue lands on the days the tokens were used.
    - unbilled usage revenue: usage after the billing frontier (the end of the last usage period any invoice
      covers), not invoiced yet, accrued from the usage events the way its invoice will price it: the month's
      overage so far, max(0, month-to-date tokens - included tokens x elapsed days / days in the month) x the
      overage price per 1,000 tokens (the allowance is prorated, so a month in progress accrues its linear
      share; a whole month gives exactly the invoice formula), spread over the days like billed usage, by
      token share. Included tokens and price come from the account's latest usage charge, else from the plan
      in force (plans seed). It becomes billed revenue when the invoice arrives.
    Kept to 6 decimals (the marts round to cents after summing), so billed amounts add back up to the
    invoices (tested). -#}
{#- A table: one row per account-day, read by the weekly panel and the monthly revenue mart. -#}
{{ config(materialized='table') }}
with

invoices as (

    select * from {{ ref('stg_billing__invoices') }}

),

calendar as (

    select date_day from {{ ref('int_calendar__days') }}

),

daily_usage as (

    select
        account_id,
        usage_date,
        token_count
    from {{ ref('int_product__account_daily_usage') }}

),

usage_charges as (

    select * from {{ ref('stg_billing__usage_charges') }}

),

account_monthly_mrr as (

    select * from {{ ref('int_billing__account_monthly_mrr') }}

),

plans as (

    select * from {{ ref('plans') }}

),

service_periods as (

    select
        invoice_id,
        account_id,
        invoice_type,
        invoice_amount,
        coalesce(period_start_date, invoice_date) as service_start_date,
        case
            when period_end_date > coalesce(period_start_date, invoice_date) then period_end_date
            else cast({{ dbt.dateadd('day', 1, 'coalesce(period_start_date, invoice_date)') }} as date)
        end as service_end_date
    from invoices

),

invoice_days as (

    select
        service_periods.invoice_id,
        service_periods.account_id,
        service_periods.invoice_type,
        service_periods.invoice_amount,
        calendar.date_day,
        coalesce(daily_usage.token_count, 0) as token_count,
        {{ dbt.datediff('service_periods.service_start_date', 'service_periods.service_end_date', 'day') }}
            as service_day_count
    from service_periods
    inner join calendar
        on service_periods.service_start_date <= calendar.date_day
            and service_periods.service_end_date > calendar.date_day
    left join daily_usage
        on service_periods.invoice_type = 'usage'
            and service_periods.account_id = daily_usage.account_id
            and calendar.date_day = daily_usage.usage_date

),

invoice_day_weights as (

    select
        *,
        sum(token_count) over (partition by invoice_id) as period_token_count
    from invoice_days

),

billed_days as (

    select
        account_id,
        date_day,
        case
            when invoice_type <> 'usage'
                then cast(invoice_amount as {{ dbt.type_numeric() }}) / service_day_count
            else 0
        end as subscription_revenue_amount,
        case
            when invoice_type = 'usage' and period_token_count > 0
                then cast(invoice_amount as {{ dbt.type_numeric() }}) * token_count / period_token_count
            when invoice_type = 'usage'
                then cast(invoice_amount as {{ dbt.type_numeric() }}) / service_day_count
            else 0
        end as billed_usage_revenue_amount,
        cast(0 as {{ dbt.type_numeric() }}) as unbilled_usage_revenue_amount
    from invoice_day_weights

),

-- Usage is invoiced through the day before this date; later usage is not billed yet.
billing_frontier as (

    select max(service_end_date) as unbilled_from_date
    from service_periods
    where invoice_type = 'usage'

),

latest_charge_terms as (

    select
        account_id,
        tokens_included,
        overage_price_per_1k_tokens_amount
    from (
        select
            account_id,
            tokens_included,
            overage_price_per_1k_tokens_amount,
            row_number() over (partition by account_id order by usage_month_date desc, usage_charge_id desc)
                as recency_rank
        from usage_charges
    ) as ranked
    where recency_rank = 1

),

unbilled_usage as (

    select
        daily_usage.account_id,
        daily_usage.usage_date,
        daily_usage.token_count,
        cast({{ dbt.date_trunc('month', 'daily_usage.usage_date') }} as date) as usage_month_date
    from daily_usage
    cross join billing_frontier
    where daily_usage.usage_date >= coalesce(billing_frontier.unbilled_from_date, daily_usage.usage_date)
        and daily_usage.usage_date <= {{ as_of_date() }}
        -- With no usage invoice at all, usage is not billed in arrears here: nothing to accrue.
        and billing_frontier.unbilled_from_date is not null

),

unbilled_priced as (

    select
        unbilled_usage.account_id,
        unbilled_usage.usage_date,
        unbilled_usage.usage_month_date,
        unbilled_usage.token_count,
        coalesce(latest_charge_terms.tokens_included, plans.included_tokens_monthly, 0) as tokens_included,
        coalesce(
            latest_charge_terms.overage_price_per_1k_tokens_amount, plans.overage_price_per_1k_tokens_amount, 0
        ) as overage_price_per_1k_tokens_amount,
        sum(unbilled_usage.token_count) over (
            partition by unbilled_usage.account_id, unbilled_usage.usage_month_date
        ) as month_to_date_token_count,
        -- Days of the month elapsed by the as-of date, and the month's length: the allowance is prorated.
        {{ dbt.datediff(
            'unbilled_usage.usage_month_date',
            'least(' ~ dbt.dateadd('day', 1, as_of_date()) ~ ', '
            ~ dbt.dateadd('month', 1, 'unbilled_usage.usage_month_date') ~ ')',
            'day',
        ) }} as elapsed_day_count,
        {{ dbt.datediff(
            'unbilled_usage.usage_month_date', dbt.dateadd('month', 1, 'unbilled_usage.usage_month_date'), 'day'
        ) }} as month_day_count
    from unbilled_usage
    left join latest_charge_terms
        on unbilled_usage.account_id = latest_charge_terms.account_id
    left join account_monthly_mrr
        on unbilled_usage.account_id = account_monthly_mrr.account_id
            and unbilled_usage.usage_month_date = account_monthly_mrr.month_start_date
    left join plans
        on account_monthly_mrr.top_plan_name = plans.plan_name

),

unbilled_days as (

    select
        account_id,
        usage_date as date_day,
        cast(0 as {{ dbt.type_numeric() }}) as subscription_revenue_amount,
        cast(0 as {{ dbt.type_numeric() }}) as billed_usage_revenue_amount,
        greatest(
            month_to_date_token_count
            - cast(tokens_included as {{ dbt.type_numeric() }}) * elapsed_day_count / month_day_count,
            0
        )
        * cast(overage_price_per_1k_tokens_amount as {{ dbt.type_numeric() }}) / 1000
        * token_count / nullif(month_to_date_token_count, 0) as unbilled_usage_revenue_amount
    from unbilled_priced

),

all_days as (

    select * from billed_days
    union all
    select * from unbilled_days

)

select
    account_id,
    date_day,
    cast(sum(subscription_revenue_amount) as decimal(28, 6)) as subscription_revenue_amount,
    cast(sum(billed_usage_revenue_amount) as decimal(28, 6)) as billed_usage_revenue_amount,
    cast(sum(unbilled_usage_revenue_amount) as decimal(28, 6)) as unbilled_usage_revenue_amount,
    cast(sum(billed_usage_revenue_amount + unbilled_usage_revenue_amount) as decimal(28, 6)) as usage_revenue_amount,
    cast(sum(subscription_revenue_amount + billed_usage_revenue_amount) as decimal(28, 6)) as billed_revenue_amount,
    cast(
        sum(subscription_revenue_amount + billed_usage_revenue_amount + unbilled_usage_revenue_amount)
        as decimal(28, 6)
    ) as revenue_amount
from all_days
group by account_id, date_day
