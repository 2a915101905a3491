{#- One row per close month x segment (the account's current segment) with a closed won opportunity or a closed
    renewal: won ACV and counts by type (New Business, Renewal, Expansion), renewal rate, average ACV and
    contract term of the wins, billing lag from close to the first subscription invoice of the subscription a
    New Business win created (mean, median, p90), and how many New Business wins have an invoice yet. -#}
{%- set close_to_first_invoice_days = dbt.datediff(
    'opportunities.close_date', 'first_subscription_invoices.first_invoice_date', 'day'
) -%}
with

opportunities as (

    select * from {{ ref('stg_crm__opportunities') }}

),

accounts as (

    select * from {{ ref('dim_account') }}

),

opportunity_subscriptions as (

    select * from {{ ref('int_billing__opportunity_subscriptions') }}

),

invoices as (

    select * from {{ ref('stg_billing__invoices') }}

),

invoice_history as (

    select min(invoice_date) as first_invoice_date from invoices

),

first_subscription_invoices as (

    select
        subscription_id,
        min(invoice_date) as first_invoice_date
    from invoices
    where invoice_type = 'subscription'
        and invoice_status <> 'void'
    group by subscription_id

),

closed_opportunities as (

    select
        opportunities.opportunity_id,
        opportunities.opportunity_type,
        opportunities.is_won,
        opportunities.acv_amount,
        opportunities.close_date,
        cast({{ dbt.date_trunc('month', 'opportunities.close_date') }} as date) as month_start_date,
        coalesce(accounts.segment, 'Unknown') as segment,
        opportunity_subscriptions.term_months,
        case
            when opportunities.opportunity_type = 'New Business' and opportunities.is_won
                and opportunities.close_date < invoice_history.first_invoice_date
                then 'before_invoice_history'
            when opportunities.opportunity_type = 'New Business' and opportunities.is_won
                and first_subscription_invoices.first_invoice_date is not null
                then 'invoiced'
            when opportunities.opportunity_type = 'New Business' and opportunities.is_won
                then 'not_invoiced'
        end as invoice_status,
        case
            when opportunities.opportunity_type = 'New Business' and opportunities.is_won
                and opportunities.close_date >= invoice_history.first_invoice_date
                then {{ close_to_first_invoice_days }}
        end as billing_lag_days
    from opportunities
    cross join invoice_history
    left join accounts
        on opportunities.account_id = accounts.account_id
    left join opportunity_subscriptions
        on opportunities.opportunity_id = opportunity_subscriptions.opportunity_id
    left join first_subscription_invoices
        on opportunity_subscriptions.subscription_id = first_subscription_invoices.subscription_id
            and opportunity_subscriptions.change_type = 'new'
    where opportunities.is_closed
        and opportunities.close_date <= {{ as_of_date() }}
        and (opportunities.is_won or opportunities.opportunity_type = 'Renewal')

),

monthly as (

    select
        month_start_date,
        segment,
        {%- for label, opportunity_type in [('new_business', 'New Business'), ('renewal', 'Renewal'),
                                            ('expansion', 'Expansion')] %}
        sum(case when is_won and opportunity_type = '{{ opportunity_type }}' then 1 else 0 end)
            as {{ label }}_won_count,
        sum(case when is_won and opportunity_type = '{{ opportunity_type }}' then acv_amount else 0 end)
            as {{ label }}_acv_amount,
        {%- endfor %}
        sum(case when is_won then 1 else 0 end) as won_count,
        sum(case when is_won then acv_amount else 0 end) as won_acv_amount,
        sum(case when opportunity_type = 'Renewal' then 1 else 0 end) as renewal_closed_count,
        avg(case when is_won then cast(term_months as {{ dbt.type_numeric() }}) end) as average_contract_term_months,
        sum(case when is_won and term_months is not null then 1 else 0 end) as term_known_won_count,
        avg(cast(billing_lag_days as {{ dbt.type_numeric() }})) as billing_lag_mean_days,
        {{ percentile_cont('billing_lag_days', 0.5) }} as billing_lag_median_days,
        {{ percentile_cont('billing_lag_days', 0.9) }} as billing_lag_p90_days,
        sum(case when invoice_status = 'invoiced' then 1 else 0 end) as invoiced_new_business_count,
        sum(case when invoice_status = 'not_invoiced' then 1 else 0 end) as not_invoiced_new_business_count,
        sum(case when invoice_status = 'before_invoice_history' then 1 else 0 end)
            as pre_invoice_history_new_business_count
    from closed_opportunities
    group by month_start_date, segment

),

final as (

    select
        {{ dbt_utils.generate_surrogate_key(['month_start_date', 'segment']) }} as bookings_month_segment_id,
        month_start_date,
        segment,
        {%- for label in ['new_business', 'renewal', 'expansion'] %}
        cast({{ label }}_won_count as {{ dbt.type_int() }}) as {{ label }}_won_count,
        cast({{ label }}_acv_amount as {{ type_money() }}) as {{ label }}_acv_amount,
        {%- endfor %}
        cast(won_count as {{ dbt.type_int() }}) as won_count,
        cast(won_acv_amount as {{ type_money() }}) as won_acv_amount,
        cast(renewal_closed_count as {{ dbt.type_int() }}) as renewal_closed_count,
        {{ safe_ratio('renewal_won_count', 'renewal_closed_count') }} as renewal_rate,
        cast(won_acv_amount / nullif(won_count, 0) as {{ type_money() }}) as average_acv_amount,
        cast(round(average_contract_term_months, 1) as decimal(10, 1)) as average_contract_term_months,
        cast(term_known_won_count as {{ dbt.type_int() }}) as term_known_won_count,
        cast(round(billing_lag_mean_days, 1) as decimal(10, 1)) as billing_lag_mean_days,
        cast(round(cast(billing_lag_median_days as {{ dbt.type_numeric() }}), 1) as decimal(10, 1))
            as billing_lag_median_days,
        cast(round(cast(billing_lag_p90_days as {{ dbt.type_numeric() }}), 1) as decimal(10, 1))
            as billing_lag_p90_days,
        cast(invoiced_new_business_count as {{ dbt.type_int() }}) as invoiced_new_business_count,
        cast(not_invoiced_new_business_count as {{ dbt.type_int() }}) as not_invoiced_new_business_count,
        cast(pre_invoice_history_new_business_count as {{ dbt.type_int() }})
            as pre_invoice_history_new_business_count
    from monthly

)

select * from final
