{#- rpt_retention adds up: for every month and window, the segment rows and the plan rows sum to the 'all' row
    (base, retained and churned accounts, starting / GRR / NRR / churned MRR); the 'all' monthly base equals
    the accounts paying at the end of the previous month in fct_arr_bridge (opening_account_count); the 'all'
    trailing sums equal fct_mrr's additive columns (mrr_12_months_ago_amount, grr_retained_mrr_amount,
    nrr_retained_mrr_amount). Returns the months and cuts that disagree. -#}
with

retention as (

    select * from {{ ref('rpt_retention') }}

),

bridge as (

    select * from {{ ref('fct_arr_bridge') }}

),

mrr as (

    select * from {{ ref('fct_mrr') }}

),

cut_totals as (

    select
        month_start_date,
        cut_name,
        sum(monthly_base_account_count) as monthly_base_account_count,
        sum(monthly_churned_account_count) as monthly_churned_account_count,
        sum(monthly_starting_mrr_amount) as monthly_starting_mrr_amount,
        sum(monthly_grr_retained_mrr_amount) as monthly_grr_retained_mrr_amount,
        sum(monthly_nrr_retained_mrr_amount) as monthly_nrr_retained_mrr_amount,
        sum(monthly_churned_mrr_amount) as monthly_churned_mrr_amount,
        sum(coalesce(trailing_12m_base_account_count, 0)) as trailing_12m_base_account_count,
        sum(coalesce(trailing_12m_churned_account_count, 0)) as trailing_12m_churned_account_count,
        sum(coalesce(trailing_12m_starting_mrr_amount, 0)) as trailing_12m_starting_mrr_amount,
        sum(coalesce(trailing_12m_grr_retained_mrr_amount, 0)) as trailing_12m_grr_retained_mrr_amount,
        sum(coalesce(trailing_12m_nrr_retained_mrr_amount, 0)) as trailing_12m_nrr_retained_mrr_amount,
        sum(coalesce(trailing_12m_churned_mrr_amount, 0)) as trailing_12m_churned_mrr_amount
    from retention
    group by month_start_date, cut_name

),

all_rows as (

    select * from cut_totals
    where cut_name = 'all'

),

cut_mismatches as (

    select
        cut_totals.month_start_date,
        cut_totals.cut_name,
        'cut does not add up to all' as failure
    from cut_totals
    inner join all_rows
        on cut_totals.month_start_date = all_rows.month_start_date
    where cut_totals.cut_name <> 'all'
        and (
            cut_totals.monthly_base_account_count <> all_rows.monthly_base_account_count
            or cut_totals.monthly_churned_account_count <> all_rows.monthly_churned_account_count
            or cut_totals.monthly_starting_mrr_amount <> all_rows.monthly_starting_mrr_amount
            or cut_totals.monthly_grr_retained_mrr_amount <> all_rows.monthly_grr_retained_mrr_amount
            or cut_totals.monthly_nrr_retained_mrr_amount <> all_rows.monthly_nrr_retained_mrr_amount
            or cut_totals.monthly_churned_mrr_amount <> all_rows.monthly_churned_mrr_amount
            or cut_totals.trailing_12m_base_account_count <> all_rows.trailing_12m_base_account_count
            or cut_totals.trailing_12m_churned_account_count <> all_rows.trailing_12m_churned_account_count
            or cut_totals.trailing_12m_starting_mrr_amount <> all_rows.trailing_12m_starting_mrr_amount
            or cut_totals.trailing_12m_grr_retained_mrr_amount <> all_rows.trailing_12m_grr_retained_mrr_amount
            or cut_totals.trailing_12m_nrr_retained_mrr_amount <> all_rows.trailing_12m_nrr_retained_mrr_amount
            or cut_totals.trailing_12m_churned_mrr_amount <> all_rows.trailing_12m_churned_mrr_amount
        )

),

bridge_opening as (

    select
        month_start_date,
        sum(opening_account_count) as opening_account_count
    from bridge
    group by month_start_date

),

bridge_mismatches as (

    select
        bridge_opening.month_start_date,
        'all' as cut_name,
        'monthly base differs from the bridge opening accounts' as failure
    from bridge_opening
    left join all_rows
        on bridge_opening.month_start_date = all_rows.month_start_date
    where bridge_opening.opening_account_count <> coalesce(all_rows.monthly_base_account_count, 0)

),

mrr_trailing as (

    select
        mrr.month_start_date,
        sum(mrr.mrr_12_months_ago_amount) as mrr_12_months_ago_amount,
        sum(mrr.grr_retained_mrr_amount) as grr_retained_mrr_amount,
        sum(mrr.nrr_retained_mrr_amount) as nrr_retained_mrr_amount
    from mrr
    group by mrr.month_start_date

),

trailing_mismatches as (

    select
        all_rows.month_start_date,
        'all' as cut_name,
        'trailing sums differ from fct_mrr' as failure
    from all_rows
    inner join retention
        on all_rows.month_start_date = retention.month_start_date
            and retention.cut_name = 'all'
    inner join mrr_trailing
        on all_rows.month_start_date = mrr_trailing.month_start_date
    where retention.has_trailing_12m_history
        and (
            all_rows.trailing_12m_starting_mrr_amount <> mrr_trailing.mrr_12_months_ago_amount
            or all_rows.trailing_12m_grr_retained_mrr_amount <> mrr_trailing.grr_retained_mrr_amount
            or all_rows.trailing_12m_nrr_retained_mrr_amount <> mrr_trailing.nrr_retained_mrr_amount
        )

)

select * from cut_mismatches
union all
select * from bridge_mismatches
union all
select * from trailing_mismatches
