{#- One row per dimension (rep = account owner, region, employee_band; account = the
    revenue_concentration_top_accounts largest accounts only) x value: current ARR (fct_mrr arr_amount in the
    as-of month) of the paying accounts, its share of total ARR, rank, cumulative share in rank order, and the
    accounts. The rep, region and employee_band rows each add up to total ARR; the account rows list the top
    accounts only, so the cumulative share of the last one is the top-accounts share. -#}
with

mrr as (

    select * from {{ ref('fct_mrr') }}

),

accounts as (

    select * from {{ ref('dim_account') }}

),

users as (

    select * from {{ ref('dim_user') }}

),

current_arr as (

    select
        mrr.account_id,
        mrr.arr_amount,
        coalesce(accounts.owner_user_id, 'Unassigned') as owner_user_id,
        coalesce(users.full_name, 'Unassigned') as owner_full_name,
        coalesce(accounts.region, 'Unknown') as region,
        coalesce(accounts.employee_band, 'Unknown') as employee_band,
        accounts.account_name
    from mrr
    left join accounts
        on mrr.account_id = accounts.account_id
    left join users
        on accounts.owner_user_id = users.user_id
    where mrr.month_start_date = cast({{ dbt.date_trunc('month', as_of_date()) }} as date)
        and mrr.arr_amount > 0

),

dimension_values as (

    select
        'rep' as dimension_type,
        owner_user_id as dimension_value,
        owner_full_name as dimension_label,
        account_id,
        arr_amount
    from current_arr
    union all
    select
        'region' as dimension_type,
        region as dimension_value,
        region as dimension_label,
        account_id,
        arr_amount
    from current_arr
    union all
    select
        'employee_band' as dimension_type,
        employee_band as dimension_value,
        employee_band as dimension_label,
        account_id,
        arr_amount
    from current_arr
    union all
    select
        'account' as dimension_type,
        account_id as dimension_value,
        coalesce(account_name, account_id) as dimension_label,
        account_id,
        arr_amount
    from current_arr

),

grouped as (

    select
        dimension_type,
        dimension_value,
        max(dimension_label) as dimension_label,
        sum(arr_amount) as arr_amount,
        count(*) as account_count
    from dimension_values
    group by dimension_type, dimension_value

),

ranked as (

    select
        *,
        row_number() over (
            partition by dimension_type
            order by arr_amount desc, {{ bytewise('dimension_value') }}
        ) as arr_rank,
        sum(arr_amount) over (partition by dimension_type) as total_arr_amount
    from grouped

),

cumulative as (

    select
        *,
        sum(arr_amount) over (
            partition by dimension_type
            order by arr_rank
            rows between unbounded preceding and current row
        ) as cumulative_arr_amount
    from ranked

),

final as (

    select
        {{ dbt_utils.generate_surrogate_key(['dimension_type', 'dimension_value']) }} as concentration_id,
        dimension_type,
        dimension_value,
        dimension_label,
        cast(arr_amount as {{ type_money() }}) as arr_amount,
        {{ safe_ratio('arr_amount', 'total_arr_amount') }} as arr_share,
        cast(arr_rank as {{ dbt.type_int() }}) as arr_rank,
        {{ safe_ratio('cumulative_arr_amount', 'total_arr_amount') }} as cumulative_arr_share,
        cast(account_count as {{ dbt.type_int() }}) as account_count
    from cumulative
    where dimension_type <> 'account'
        or arr_rank <= {{ var('revenue_concentration_top_accounts') }}

)

select * from final
