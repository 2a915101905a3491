{#- The ARR bridge closes on every row of fct_arr_bridge: opening + new + expansion + contraction + churn +
    reactivation = closing; closing of a month = opening of the next month (same segment); closing = the sum of
    fct_mrr arr_amount of the month and segment. Returns the rows that break any of the three. -#}
with

bridge as (

    select * from {{ ref('fct_arr_bridge') }}

),

mrr as (

    select * from {{ ref('fct_mrr') }}

),

mrr_totals as (

    select
        month_start_date,
        segment,
        sum(arr_amount) as arr_amount
    from mrr
    group by month_start_date, segment

),

checked as (

    select
        bridge.month_start_date,
        bridge.segment,
        bridge.closing_arr_amount,
        bridge.opening_arr_amount
        + bridge.new_arr_amount
        + bridge.expansion_arr_amount
        + bridge.contraction_arr_amount
        + bridge.churn_arr_amount
        + bridge.reactivation_arr_amount as balanced_closing_arr_amount,
        next_bridge.opening_arr_amount as next_opening_arr_amount,
        next_bridge.month_start_date as next_month_start_date,
        coalesce(mrr_totals.arr_amount, 0) as fct_mrr_arr_amount
    from bridge
    left join bridge as next_bridge
        on bridge.segment = next_bridge.segment
            and next_bridge.month_start_date = {{ dbt.dateadd('month', 1, 'bridge.month_start_date') }}
    left join mrr_totals
        on bridge.month_start_date = mrr_totals.month_start_date
            and bridge.segment = mrr_totals.segment

)

select *
from checked
where
    balanced_closing_arr_amount <> closing_arr_amount
    or (next_month_start_date is not null and next_opening_arr_amount <> closing_arr_amount)
    or fct_mrr_arr_amount <> closing_arr_amount
