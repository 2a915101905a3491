{#- O2R revenue metrics (R.1-R.8) per Monday-start week, for the whole base and cut by segment and by plan
    (one row per week x cut value, zero-filled). Revenue is recognised revenue (fct_account_weekly:
    subscription by service day, usage on the days it was used, billed or accrued from the usage events when
    not invoiced yet). A week's revenue is final once the week is over and no part of it is an accrual waiting
    for its invoice (usage is billed in arrears). The annual target, and so target attainment and catch-up
    CWGR, exist for the whole base only. -#}
{%- set lookback = var('o2r_churn_lookback_weeks') | int -%}
with

{{ o2r_weekly_frame() }},

weekly as (

    select
        cut_name,
        cut_value,
        week_start_date,
        sum(revenue_amount) as revenue_amount,
        sum(subscription_revenue_amount) as subscription_revenue_amount,
        sum(usage_revenue_amount) as usage_revenue_amount,
        sum(billed_revenue_amount) as billed_revenue_amount,
        sum(unbilled_usage_revenue_amount) as unbilled_revenue_amount,
        sum(arr_amount) as arr_amount,
        sum(case when is_active then 1 else 0 end) as active_account_count,
        sum(case when was_active_previous_week then 1 else 0 end) as previous_week_active_account_count,
        sum(case when was_active_previous_week and not is_active then 1 else 0 end) as churned_account_count
    from panel_cuts
    group by cut_name, cut_value, week_start_date

),

filled as (

    select
        grid.week_start_date,
        grid.cut_name,
        grid.cut_value,
        grid.fiscal_year_number,
        grid.fiscal_week_number,
        grid.fiscal_year_week_count,
        grid.is_complete_week,
        coalesce(weekly.revenue_amount, 0) as revenue_amount,
        coalesce(weekly.subscription_revenue_amount, 0) as subscription_revenue_amount,
        coalesce(weekly.usage_revenue_amount, 0) as usage_revenue_amount,
        coalesce(weekly.billed_revenue_amount, 0) as billed_revenue_amount,
        coalesce(weekly.unbilled_revenue_amount, 0) as unbilled_revenue_amount,
        weekly.arr_amount,
        coalesce(weekly.active_account_count, 0) as active_account_count,
        coalesce(weekly.previous_week_active_account_count, 0) as previous_week_active_account_count,
        coalesce(weekly.churned_account_count, 0) as churned_account_count
    from grid
    left join weekly
        on grid.cut_name = weekly.cut_name
            and grid.cut_value = weekly.cut_value
            and grid.week_start_date = weekly.week_start_date

),

windowed as (

    select
        *,
        lag(revenue_amount) over (
            partition by cut_name, cut_value order by week_start_date
        ) as previous_week_revenue_amount,
        sum(revenue_amount) over (
            partition by cut_name, cut_value, fiscal_year_number order by week_start_date
            rows between unbounded preceding and current row
        ) as ytd_revenue_amount,
        first_value(revenue_amount) over (
            partition by cut_name, cut_value, fiscal_year_number order by week_start_date
            rows between unbounded preceding and current row
        ) as fiscal_year_first_week_revenue_amount,
        row_number() over (
            partition by cut_name, cut_value, fiscal_year_number order by week_start_date
        ) - 1 as weeks_since_fiscal_year_first_week,
        sum(churned_account_count) over (
            partition by cut_name, cut_value order by week_start_date
            rows between {{ lookback - 1 }} preceding and current row
        ) as trailing_churned_account_count,
        sum(previous_week_active_account_count) over (
            partition by cut_name, cut_value order by week_start_date
            rows between {{ lookback - 1 }} preceding and current row
        ) as trailing_base_account_count
    from filled

),

rates as (

    select
        *,
        case when cut_name = 'all' then {{ var('o2r_annual_revenue_target') }} end as annual_revenue_target_amount,
        fiscal_year_week_count - fiscal_week_number as remaining_fiscal_week_count,
        cast(revenue_amount / nullif(active_account_count, 0) as {{ dbt.type_numeric() }}) as arpa_amount,
        cast(trailing_churned_account_count as {{ dbt.type_numeric() }})
        / nullif(trailing_base_account_count, 0) as trailing_weekly_logo_churn_rate
    from windowed

),

-- 1 / weekly churn is the expected lifetime in weeks; no churn in the window means the cap.
lifetimes as (

    select
        *,
        least(
            {{ var('ltv_max_lifetime_months') }},
            coalesce(12.0 / 52 / nullif(trailing_weekly_logo_churn_rate, 0), {{ var('ltv_max_lifetime_months') }})
        ) as expected_lifetime_months
    from rates

),

final as (

    select
        week_start_date,
        cut_name,
        cut_value,
        fiscal_year_number,
        fiscal_week_number,
        is_complete_week,
        is_complete_week and week_start_date < (
            select coalesce(min(unbilled.week_start_date), cast('9999-12-31' as date))
            from panel as unbilled
            where unbilled.unbilled_usage_revenue_amount > 0
        ) as is_revenue_final,
        cast(revenue_amount as {{ type_money() }}) as revenue_amount,
        cast(subscription_revenue_amount as {{ type_money() }}) as subscription_revenue_amount,
        cast(usage_revenue_amount as {{ type_money() }}) as usage_revenue_amount,
        cast(billed_revenue_amount as {{ type_money() }}) as billed_revenue_amount,
        cast(unbilled_revenue_amount as {{ type_money() }}) as unbilled_revenue_amount,
        cast(previous_week_revenue_amount as {{ type_money() }}) as previous_week_revenue_amount,
        cast(
            (revenue_amount - previous_week_revenue_amount) / nullif(previous_week_revenue_amount, 0)
            as {{ dbt.type_float() }}
        ) as weekly_growth_rate,
        cast(ytd_revenue_amount as {{ type_money() }}) as ytd_revenue_amount,
        cast(annual_revenue_target_amount as {{ type_money() }}) as annual_revenue_target_amount,
        cast(ytd_revenue_amount / annual_revenue_target_amount as {{ dbt.type_float() }})
            as ytd_target_attainment_rate,
        weeks_since_fiscal_year_first_week,
        case
            when weeks_since_fiscal_year_first_week > 0 and fiscal_year_first_week_revenue_amount > 0
                and revenue_amount > 0
                then power(
                        cast(revenue_amount as {{ dbt.type_float() }}) / fiscal_year_first_week_revenue_amount,
                        1.0 / weeks_since_fiscal_year_first_week
                    ) - 1
        end as cwgr,
        remaining_fiscal_week_count,
        case
            when remaining_fiscal_week_count > 0 and ytd_revenue_amount > 0
                then power(
                        cast(annual_revenue_target_amount as {{ dbt.type_float() }}) / ytd_revenue_amount,
                        1.0 / remaining_fiscal_week_count
                    ) - 1
        end as catch_up_cwgr,
        cast(arr_amount as {{ type_money() }}) as arr_amount,
        cast(subscription_revenue_amount * 52 as {{ type_money() }}) as run_rate_arr_amount,
        cast(revenue_amount * 4.33 as {{ type_money() }}) as book_mrr_amount,
        cast(revenue_amount * 4.33 * 12 as {{ type_money() }}) as book_arr_amount,
        active_account_count,
        cast(arpa_amount as {{ type_money() }}) as arpa_amount,
        cast(trailing_weekly_logo_churn_rate as {{ dbt.type_float() }}) as trailing_weekly_logo_churn_rate,
        cast(expected_lifetime_months as {{ dbt.type_float() }}) as expected_lifetime_months,
        cast(arpa_amount * 52 / 12 * expected_lifetime_months as {{ type_money() }}) as cltv_amount
    from lifetimes

)

select * from final
