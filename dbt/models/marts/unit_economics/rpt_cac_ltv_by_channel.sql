{#- One row per acquisition channel (Inbound, Outbound): unit economics over the trailing
    var('unit_economics_window_months') cost-complete months (the window ends at the latest month whose ad
    spend and team pay are both booked). Cost, wins, leads and opportunities are the window's months of
    rpt_monthly_unit_economics. Revenue per customer-month = mean ACV/12 of the window's wins + mean monthly
    usage charge of the channel's acquired customers' billed months in the window. The case study's simple
    LTV (revenue x 12/24/36 months, no margin, no churn) sits next to a churn- and margin-adjusted LTV
    (revenue x var('gross_margin') x expected lifetime, lifetime = 1 / monthly logo churn capped at
    var('ltv_max_lifetime_months')) and the CAC payback in months. -#}
{%- set window_months = var('unit_economics_window_months') -%}
{%- set gross_margin = var('gross_margin') -%}
{%- set max_lifetime_months = var('ltv_max_lifetime_months') -%}
with

monthly as (

    select * from {{ ref('rpt_monthly_unit_economics') }}

),

acquisitions as (

    select * from {{ ref('int_finance__account_acquisition') }}

),

usage_charges as (

    select * from {{ ref('stg_billing__usage_charges') }}

),

account_months as (

    select * from {{ ref('int_billing__account_monthly_mrr') }}

),

cost_complete_months as (

    select distinct month_start_date
    from monthly
    where is_cost_complete

),

ranked_months as (

    select
        month_start_date,
        row_number() over (order by month_start_date desc) as recency_rank
    from cost_complete_months

),

window_months as (

    select month_start_date
    from ranked_months
    where recency_rank <= {{ window_months }}

),

window_bounds as (

    select
        min(month_start_date) as window_start_date,
        cast({{ dbt.dateadd('day', -1, dbt.dateadd('month', 1, 'max(month_start_date)')) }} as date)
            as window_end_date,
        count(*) as window_months_count
    from window_months

),

window_volumes as (

    select
        monthly.channel,
        cast(sum(monthly.leads_count) as {{ dbt.type_bigint() }}) as leads_count,
        cast(sum(monthly.opportunities_count) as {{ dbt.type_bigint() }}) as opportunities_count,
        cast(sum(monthly.wins_count) as {{ dbt.type_bigint() }}) as deals_won_count,
        sum(monthly.ad_spend_amount) as ad_spend_amount,
        sum(monthly.team_pay_amount) as team_pay_amount,
        sum(monthly.total_cost_amount) as total_cost_amount
    from monthly
    inner join window_months
        on monthly.month_start_date = window_months.month_start_date
    group by monthly.channel

),

window_wins as (

    select
        acquisitions.channel,
        avg(acquisitions.acv_amount) / 12.0 as avg_monthly_subscription_amount
    from acquisitions
    inner join window_months
        on acquisitions.acquired_month_start_date = window_months.month_start_date
    group by acquisitions.channel

),

usage_account_months as (

    select
        account_id,
        usage_month_date as month_start_date,
        sum(usage_charge_amount) as usage_charge_amount
    from usage_charges
    group by account_id, usage_month_date

),

account_month_states as (

    select
        account_id,
        month_start_date,
        is_paying,
        lag(is_paying) over (partition by account_id order by month_start_date) as was_paying_previous_month
    from account_months

),

-- One row per account-month billed usage and/or with an MRR state.
account_month_activity as (

    select
        usage_account_months.usage_charge_amount,
        account_month_states.is_paying,
        coalesce(usage_account_months.account_id, account_month_states.account_id) as account_id,
        coalesce(usage_account_months.month_start_date, account_month_states.month_start_date) as month_start_date,
        usage_account_months.month_start_date is not null as is_billed_month,
        coalesce(account_month_states.was_paying_previous_month, false) as was_paying_previous_month
    from usage_account_months
    full outer join account_month_states
        on usage_account_months.account_id = account_month_states.account_id
            and usage_account_months.month_start_date = account_month_states.month_start_date

),

{# An account-month belongs to the acquisition whose period (close month up to the next acquisition) holds it. -#}
window_account_months as (

    select
        acquisitions.channel,
        account_month_activity.is_billed_month,
        account_month_activity.usage_charge_amount,
        account_month_activity.is_paying,
        account_month_activity.was_paying_previous_month
    from account_month_activity
    inner join window_months
        on account_month_activity.month_start_date = window_months.month_start_date
    inner join acquisitions
        on account_month_activity.account_id = acquisitions.account_id
            and account_month_activity.month_start_date >= acquisitions.acquired_month_start_date
            and (
                acquisitions.next_acquired_month_start_date is null
                or account_month_activity.month_start_date < acquisitions.next_acquired_month_start_date
            )

),

window_usage as (

    select
        channel,
        count(*) as billed_customer_months_count,
        avg(usage_charge_amount) as avg_monthly_usage_amount
    from window_account_months
    where is_billed_month
    group by channel

),

window_churn as (

    select
        channel,
        count(*) as customer_months_count,
        sum(case when not is_paying then 1 else 0 end) as churned_customers_count
    from window_account_months
    where was_paying_previous_month
    group by channel

),

unit_economics as (

    select
        window_volumes.channel,
        window_bounds.window_start_date,
        window_bounds.window_end_date,
        window_bounds.window_months_count,
        window_volumes.leads_count,
        window_volumes.opportunities_count,
        window_volumes.deals_won_count,
        cast(window_volumes.ad_spend_amount as {{ type_money() }}) as ad_spend_amount,
        cast(window_volumes.team_pay_amount as {{ type_money() }}) as team_pay_amount,
        cast(window_volumes.total_cost_amount as {{ type_money() }}) as total_cost_amount,
        cast(window_volumes.total_cost_amount / nullif(window_volumes.deals_won_count, 0) as {{ type_money() }})
            as cac_amount,
        cast(window_wins.avg_monthly_subscription_amount as {{ type_money() }}) as avg_monthly_subscription_amount,
        coalesce(window_usage.billed_customer_months_count, 0) as billed_customer_months_count,
        cast(window_usage.avg_monthly_usage_amount as {{ type_money() }}) as avg_monthly_usage_amount,
        coalesce(window_churn.customer_months_count, 0) as customer_months_count,
        coalesce(window_churn.churned_customers_count, 0) as churned_customers_count,
        cast(window_churn.churned_customers_count as {{ dbt.type_numeric() }})
        / nullif(window_churn.customer_months_count, 0) as monthly_logo_churn_rate
    from window_volumes
    cross join window_bounds
    left join window_wins
        on window_volumes.channel = window_wins.channel
    left join window_usage
        on window_volumes.channel = window_usage.channel
    left join window_churn
        on window_volumes.channel = window_churn.channel

),

revenue as (

    select
        *,
        cast(avg_monthly_subscription_amount + coalesce(avg_monthly_usage_amount, 0) as {{ type_money() }})
            as avg_monthly_revenue_amount,
        cast(round(
            case
                when monthly_logo_churn_rate * {{ max_lifetime_months }} <= 1 then {{ max_lifetime_months }}
                else 1 / monthly_logo_churn_rate
            end, 2
        ) as decimal(10, 2)) as expected_lifetime_months
    from unit_economics

),

final as (

    select
        channel,
        window_start_date,
        window_end_date,
        window_months_count,
        leads_count,
        opportunities_count,
        deals_won_count,
        {{ safe_ratio('opportunities_count', 'leads_count', 6) }} as lead_to_opportunity_rate,
        {{ safe_ratio('deals_won_count', 'leads_count', 6) }} as lead_to_win_rate,
        ad_spend_amount,
        team_pay_amount,
        total_cost_amount,
        cac_amount,
        avg_monthly_subscription_amount,
        billed_customer_months_count,
        avg_monthly_usage_amount,
        avg_monthly_revenue_amount,
        cast(avg_monthly_revenue_amount * 12 as {{ type_money() }}) as ltv_12_month_amount,
        cast(avg_monthly_revenue_amount * 24 as {{ type_money() }}) as ltv_24_month_amount,
        cast(avg_monthly_revenue_amount * 36 as {{ type_money() }}) as ltv_36_month_amount,
        cast(round(avg_monthly_revenue_amount * 12 / nullif(cac_amount, 0), 4) as decimal(12, 4))
            as ltv_to_cac_12_ratio,
        cast(round(avg_monthly_revenue_amount * 24 / nullif(cac_amount, 0), 4) as decimal(12, 4))
            as ltv_to_cac_24_ratio,
        cast(round(avg_monthly_revenue_amount * 36 / nullif(cac_amount, 0), 4) as decimal(12, 4))
            as ltv_to_cac_36_ratio,
        customer_months_count,
        churned_customers_count,
        cast(round(monthly_logo_churn_rate, 6) as decimal(10, 6)) as monthly_logo_churn_rate,
        expected_lifetime_months,
        cast(avg_monthly_revenue_amount * {{ gross_margin }} * expected_lifetime_months as {{ type_money() }})
            as churn_margin_adjusted_ltv_amount,
        cast(round(
            avg_monthly_revenue_amount * {{ gross_margin }} * expected_lifetime_months / nullif(cac_amount, 0), 4
        ) as decimal(12, 4)) as churn_margin_adjusted_ltv_to_cac_ratio,
        cast(round(cac_amount / nullif(avg_monthly_revenue_amount * {{ gross_margin }}, 0), 2) as decimal(10, 2))
            as cac_payback_months
    from revenue

)

select * from final
