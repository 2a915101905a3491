{#- Billing against the product, per account-month: one row per usage charge of a month the usage events cover
    completely (from the first to the last day with any event in the data): the charged amount against the
    overage the events imply, max(0, tokens of the month's events - tokens included) x the charge's overage
    price per 1,000 tokens. Reconciled when they differ by at most var reconciliation_usage_tolerance_amount
    + var reconciliation_usage_tolerance_rate x the charge. Data without usage events has no rows. -#}
with

usage_charges as (

    select * from {{ ref('stg_billing__usage_charges') }}

),

daily_usage as (

    select * from {{ ref('int_product__account_daily_usage') }}

),

event_window as (

    select
        min(usage_date) as first_usage_date,
        max(usage_date) as last_usage_date
    from daily_usage

),

monthly_tokens as (

    select
        account_id,
        cast({{ dbt.date_trunc('month', 'usage_date') }} as date) as usage_month_date,
        sum(token_count) as event_token_count
    from daily_usage
    group by 1, 2

),

compared as (

    select
        usage_charges.usage_charge_id,
        usage_charges.account_id,
        usage_charges.usage_month_date,
        usage_charges.tokens_used as billed_token_count,
        coalesce(monthly_tokens.event_token_count, 0) as event_token_count,
        usage_charges.tokens_included,
        usage_charges.overage_price_per_1k_tokens_amount,
        usage_charges.usage_charge_amount,
        greatest(coalesce(monthly_tokens.event_token_count, 0) - usage_charges.tokens_included, 0)
        * usage_charges.overage_price_per_1k_tokens_amount / 1000.0 as event_usage_amount
    from usage_charges
    cross join event_window
    left join monthly_tokens
        on usage_charges.account_id = monthly_tokens.account_id
            and usage_charges.usage_month_date = monthly_tokens.usage_month_date
    where usage_charges.usage_month_date >= event_window.first_usage_date
        and {{ dbt.last_day('usage_charges.usage_month_date', 'month') }} <= event_window.last_usage_date

)

select
    usage_charge_id,
    account_id,
    usage_month_date,
    billed_token_count,
    event_token_count,
    tokens_included,
    overage_price_per_1k_tokens_amount,
    cast(usage_charge_amount as {{ type_money() }}) as usage_charge_amount,
    cast(event_usage_amount as {{ type_money() }}) as event_usage_amount,
    cast(usage_charge_amount - event_usage_amount as {{ type_money() }}) as difference_amount,
    abs(usage_charge_amount - event_usage_amount)
    <= {{ var('reconciliation_usage_tolerance_amount') }}
    + {{ var('reconciliation_usage_tolerance_rate') }} * usage_charge_amount as is_reconciled
from compared
