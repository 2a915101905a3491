{#- A table, not a view: a view would be dropped with its staging parent whenever that view is replaced, taking
    the detached reconciliation test's parent with it mid-build (Airflow runs that test on its own). -#}
{{ config(materialized='table') }}
{#- Revenue recognised per account per Monday-start week. Each invoice is recognised evenly over the days of
    its service period [period_start_date, period_end_date) (an invoice without a usable period is recognised
    on its invoice date), split by invoice type. Open and paid invoices both count: revenue is earned when the
    service is delivered, not when it is paid. Unrounded: the marts round to cents after summing. -#}
with

invoices as (

    select * from {{ ref('stg_billing__invoices') }}

),

weeks as (

    select distinct week_start_date
    from {{ ref('dim_date') }}

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

invoice_weeks as (

    select
        service_periods.invoice_id,
        service_periods.account_id,
        service_periods.invoice_type,
        weeks.week_start_date,
        cast(service_periods.invoice_amount as {{ dbt.type_numeric() }})
        * {{ dbt.datediff(
            'greatest(service_periods.service_start_date, weeks.week_start_date)',
            'least(service_periods.service_end_date, ' ~ dbt.dateadd('day', 7, 'weeks.week_start_date') ~ ')',
            'day',
        ) }}
        / {{ dbt.datediff('service_periods.service_start_date', 'service_periods.service_end_date', 'day') }}
            as recognised_amount
    from service_periods
    inner join weeks
        on service_periods.service_end_date > weeks.week_start_date
            and service_periods.service_start_date < {{ dbt.dateadd('day', 7, 'weeks.week_start_date') }}

)

select
    account_id,
    week_start_date,
    sum(case when invoice_type = 'subscription' then recognised_amount else 0 end) as subscription_revenue_amount,
    sum(case when invoice_type = 'usage' then recognised_amount else 0 end) as usage_revenue_amount,
    sum(recognised_amount) as revenue_amount,
    count(distinct invoice_id) as invoice_count
from invoice_weeks
group by account_id, week_start_date
