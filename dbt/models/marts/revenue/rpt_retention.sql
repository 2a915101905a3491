{#- One row per month x cut (cut_name 'all' | 'segment' | 'plan', cut_value): gross and net revenue retention,
    logo churn and dollar churn over two windows ending at the month end: the month (window start = end of the
    previous month) and the trailing revenue_retention_window_months (12) months. The base of a window is the
    accounts paying at its start (plan = their plan then; segment = their current segment); each base account
    counts in GRR at least(end MRR, start MRR) and in NRR at its end MRR; accounts acquired or reactivated
    inside the window are not in the base. Trailing columns are null until the month has a full window of
    MRR history. -#}
{%- set window_measures = [
    'base_account_count', 'retained_account_count', 'churned_account_count', 'starting_mrr_amount',
    'grr_retained_mrr_amount', 'nrr_retained_mrr_amount', 'churned_mrr_amount',
] %}
with

mrr as (

    select * from {{ ref('fct_mrr') }}

),

history_start as (

    select min(month_start_date) as first_month_start_date from mrr

),

window_lengths as (

    select 1 as window_months
    union all
    select {{ var('revenue_retention_window_months') }} as window_months

),

base_accounts as (

    select
        window_end.month_start_date,
        window_lengths.window_months,
        window_end.account_id,
        window_end.segment,
        coalesce(window_start.plan_name, 'Unknown') as plan_name,
        window_start.subscription_mrr_amount as starting_mrr_amount,
        window_end.subscription_mrr_amount as ending_mrr_amount
    from mrr as window_end
    cross join window_lengths
    inner join mrr as window_start
        on window_end.account_id = window_start.account_id
            and window_start.month_start_date
            = {{ dbt.dateadd('month', '-1 * window_lengths.window_months', 'window_end.month_start_date') }}
    where window_start.subscription_mrr_amount > 0

),

cuts as (

    {{ segment_and_plan_cuts('base_accounts') }}

),

window_totals as (

    select
        month_start_date,
        window_months,
        cut_name,
        cut_value,
        count(*) as base_account_count,
        sum(case when ending_mrr_amount > 0 then 1 else 0 end) as retained_account_count,
        sum(case when ending_mrr_amount = 0 then 1 else 0 end) as churned_account_count,
        sum(starting_mrr_amount) as starting_mrr_amount,
        sum(
            case when ending_mrr_amount < starting_mrr_amount then ending_mrr_amount else starting_mrr_amount end
        ) as grr_retained_mrr_amount,
        sum(ending_mrr_amount) as nrr_retained_mrr_amount,
        sum(case when ending_mrr_amount = 0 then starting_mrr_amount else 0 end) as churned_mrr_amount
    from cuts
    group by month_start_date, window_months, cut_name, cut_value

),

pivoted as (

    select
        window_totals.month_start_date,
        window_totals.cut_name,
        window_totals.cut_value,
        {%- for prefix, months in [('monthly', 1), ('trailing_12m', var('revenue_retention_window_months'))] %}
        {%- for measure in window_measures %}
        sum(case when window_totals.window_months = {{ months }} then window_totals.{{ measure }} else 0 end)
            as {{ prefix }}_{{ measure }},
        {%- endfor %}
        {%- endfor %}
        window_totals.month_start_date
        >= {{ dbt.dateadd('month', var('revenue_retention_window_months'), 'history_start.first_month_start_date') }}
            as has_trailing_12m_history
    from window_totals
    cross join history_start
    group by
        window_totals.month_start_date,
        window_totals.cut_name,
        window_totals.cut_value,
        history_start.first_month_start_date

),

final as (

    select
        month_start_date,
        cut_name,
        cut_value,
        has_trailing_12m_history,
        cast(monthly_base_account_count as {{ dbt.type_int() }}) as monthly_base_account_count,
        cast(monthly_retained_account_count as {{ dbt.type_int() }}) as monthly_retained_account_count,
        cast(monthly_churned_account_count as {{ dbt.type_int() }}) as monthly_churned_account_count,
        cast(monthly_starting_mrr_amount as {{ type_money() }}) as monthly_starting_mrr_amount,
        cast(monthly_grr_retained_mrr_amount as {{ type_money() }}) as monthly_grr_retained_mrr_amount,
        cast(monthly_nrr_retained_mrr_amount as {{ type_money() }}) as monthly_nrr_retained_mrr_amount,
        cast(monthly_churned_mrr_amount as {{ type_money() }}) as monthly_churned_mrr_amount,
        {{ safe_ratio('monthly_grr_retained_mrr_amount', 'monthly_starting_mrr_amount') }} as monthly_grr_rate,
        {{ safe_ratio('monthly_nrr_retained_mrr_amount', 'monthly_starting_mrr_amount') }} as monthly_nrr_rate,
        {{ safe_ratio('monthly_churned_account_count', 'monthly_base_account_count') }}
            as monthly_logo_churn_rate,
        {{ safe_ratio('monthly_churned_mrr_amount', 'monthly_starting_mrr_amount') }}
            as monthly_dollar_churn_rate,
        {%- for measure in ['base_account_count', 'retained_account_count', 'churned_account_count'] %}
        case when has_trailing_12m_history then cast(trailing_12m_{{ measure }} as {{ dbt.type_int() }}) end
            as trailing_12m_{{ measure }},
        {%- endfor %}
        {%- for measure in ['starting_mrr_amount', 'grr_retained_mrr_amount', 'nrr_retained_mrr_amount',
                            'churned_mrr_amount'] %}
        case when has_trailing_12m_history then cast(trailing_12m_{{ measure }} as {{ type_money() }}) end
            as trailing_12m_{{ measure }},
        {%- endfor %}
        case
            when has_trailing_12m_history
                then {{ safe_ratio('trailing_12m_grr_retained_mrr_amount', 'trailing_12m_starting_mrr_amount') }}
        end as trailing_12m_grr_rate,
        case
            when has_trailing_12m_history
                then {{ safe_ratio('trailing_12m_nrr_retained_mrr_amount', 'trailing_12m_starting_mrr_amount') }}
        end as trailing_12m_nrr_rate,
        case
            when has_trailing_12m_history
                then {{ safe_ratio('trailing_12m_churned_account_count', 'trailing_12m_base_account_count') }}
        end as trailing_12m_logo_churn_rate,
        case
            when has_trailing_12m_history
                then {{ safe_ratio('trailing_12m_churned_mrr_amount', 'trailing_12m_starting_mrr_amount') }}
        end as trailing_12m_dollar_churn_rate
    from pivoted

)

select * from final
