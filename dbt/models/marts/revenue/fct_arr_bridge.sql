{#- One row per month x segment (the account's current segment, from fct_mrr): the ARR bridge. Opening ARR is the
    previous month-end ARR of the segment's accounts, each movement adds the ARR change (MRR change x 12) of the
    accounts whose month fct_mrr classifies that way, and closing ARR is the month-end ARR, so opening +
    new + expansion + contraction + churn + reactivation = closing on every row. Every month from the first
    month of the MRR history to the as-of month and every segment get a row (zeros where nothing moved). -#}
with

mrr as (

    select * from {{ ref('fct_mrr') }}

),

months as (

    select distinct month_start_date from mrr

),

segments as (

    select distinct segment from mrr

),

month_segments as (

    select
        months.month_start_date,
        segments.segment
    from months
    cross join segments

),

movements as (

    select
        month_start_date,
        segment,
        sum(previous_mrr_amount * 12) as opening_arr_amount,
        sum(case when mrr_movement_type = 'new' then mrr_change_amount * 12 else 0 end) as new_arr_amount,
        sum(case when mrr_movement_type = 'expansion' then mrr_change_amount * 12 else 0 end)
            as expansion_arr_amount,
        sum(case when mrr_movement_type = 'contraction' then mrr_change_amount * 12 else 0 end)
            as contraction_arr_amount,
        sum(case when mrr_movement_type = 'churn' then mrr_change_amount * 12 else 0 end) as churn_arr_amount,
        sum(case when mrr_movement_type = 'reactivation' then mrr_change_amount * 12 else 0 end)
            as reactivation_arr_amount,
        sum(arr_amount) as closing_arr_amount,
        sum(case when previous_mrr_amount > 0 then 1 else 0 end) as opening_account_count,
        sum(case when mrr_movement_type = 'new' then 1 else 0 end) as new_account_count,
        sum(case when mrr_movement_type = 'expansion' then 1 else 0 end) as expansion_account_count,
        sum(case when mrr_movement_type = 'contraction' then 1 else 0 end) as contraction_account_count,
        sum(case when mrr_movement_type = 'churn' then 1 else 0 end) as churned_account_count,
        sum(case when mrr_movement_type = 'reactivation' then 1 else 0 end) as reactivated_account_count,
        sum(case when mrr_movement_type = 'flat' then 1 else 0 end) as flat_account_count,
        sum(case when is_paying then 1 else 0 end) as closing_account_count
    from mrr
    group by month_start_date, segment

),

final as (

    select
        {{ dbt_utils.generate_surrogate_key(['month_segments.month_start_date', 'month_segments.segment']) }}
            as arr_bridge_id,
        month_segments.month_start_date,
        month_segments.segment,
        cast(coalesce(movements.opening_arr_amount, 0) as {{ type_money() }}) as opening_arr_amount,
        cast(coalesce(movements.new_arr_amount, 0) as {{ type_money() }}) as new_arr_amount,
        cast(coalesce(movements.expansion_arr_amount, 0) as {{ type_money() }}) as expansion_arr_amount,
        cast(coalesce(movements.contraction_arr_amount, 0) as {{ type_money() }}) as contraction_arr_amount,
        cast(coalesce(movements.churn_arr_amount, 0) as {{ type_money() }}) as churn_arr_amount,
        cast(coalesce(movements.reactivation_arr_amount, 0) as {{ type_money() }}) as reactivation_arr_amount,
        cast(coalesce(movements.closing_arr_amount, 0) as {{ type_money() }}) as closing_arr_amount,
        cast(coalesce(movements.opening_account_count, 0) as {{ dbt.type_int() }}) as opening_account_count,
        cast(coalesce(movements.new_account_count, 0) as {{ dbt.type_int() }}) as new_account_count,
        cast(coalesce(movements.expansion_account_count, 0) as {{ dbt.type_int() }}) as expansion_account_count,
        cast(coalesce(movements.contraction_account_count, 0) as {{ dbt.type_int() }})
            as contraction_account_count,
        cast(coalesce(movements.churned_account_count, 0) as {{ dbt.type_int() }}) as churned_account_count,
        cast(coalesce(movements.reactivated_account_count, 0) as {{ dbt.type_int() }})
            as reactivated_account_count,
        cast(coalesce(movements.flat_account_count, 0) as {{ dbt.type_int() }}) as flat_account_count,
        cast(coalesce(movements.closing_account_count, 0) as {{ dbt.type_int() }}) as closing_account_count
    from month_segments
    left join movements
        on month_segments.month_start_date = movements.month_start_date
            and month_segments.segment = movements.segment

)

select * from final
