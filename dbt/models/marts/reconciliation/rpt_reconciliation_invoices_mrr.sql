{#- Billing against contracts, lag-aware: one row per month in which both subscription invoices and committed
    MRR exist, up to the as-of month. Subscriptions bill in advance on the 1st at the MRR in force at the end
    of the previous month, so the subscription (non-usage) invoices whose service period starts in a month are
    compared with fct_mrr's month-end MRR var reconciliation_invoice_lag_months earlier. Reconciled when they
    differ by at most var reconciliation_invoice_mrr_tolerance of that MRR (mid-month starts and prorations
    explain small gaps; a missing invoice run or an MRR model that drops contracts does not). -#}
{%- set lag_months = var('reconciliation_invoice_lag_months') | int -%}
with

invoices as (

    select * from {{ ref('stg_billing__invoices') }}

),

mrr as (

    select * from {{ ref('fct_mrr') }}

),

subscription_invoices as (

    select
        cast({{ dbt.date_trunc('month', 'coalesce(period_start_date, invoice_date)') }} as date) as invoice_month_date,
        invoice_amount
    from invoices
    where invoice_type <> 'usage'

),

invoiced_monthly as (

    select
        invoice_month_date,
        sum(invoice_amount) as invoiced_subscription_amount,
        count(*) as invoice_count
    from subscription_invoices
    group by invoice_month_date

),

mrr_monthly as (

    select
        month_start_date,
        sum(subscription_mrr_amount) as mrr_amount
    from mrr
    group by month_start_date

),

compared as (

    select
        invoiced_monthly.invoice_month_date,
        mrr_monthly.month_start_date as mrr_month_date,
        invoiced_monthly.invoice_count,
        invoiced_monthly.invoiced_subscription_amount,
        mrr_monthly.mrr_amount
    from invoiced_monthly
    inner join mrr_monthly
        on mrr_monthly.month_start_date
            = cast({{ dbt.dateadd('month', -lag_months, 'invoiced_monthly.invoice_month_date') }} as date)
    where invoiced_monthly.invoice_month_date <= {{ as_of_date() }}

)

select
    invoice_month_date,
    mrr_month_date,
    invoice_count,
    cast(invoiced_subscription_amount as {{ type_money() }}) as invoiced_subscription_amount,
    cast(mrr_amount as {{ type_money() }}) as mrr_amount,
    cast(invoiced_subscription_amount - mrr_amount as {{ type_money() }}) as difference_amount,
    cast((invoiced_subscription_amount - mrr_amount) / nullif(mrr_amount, 0) as decimal(12, 6)) as difference_rate,
    case
        when mrr_amount = 0 then invoiced_subscription_amount = 0
        else abs(invoiced_subscription_amount - mrr_amount)
            <= {{ var('reconciliation_invoice_mrr_tolerance') }} * mrr_amount
    end as is_reconciled
from compared
