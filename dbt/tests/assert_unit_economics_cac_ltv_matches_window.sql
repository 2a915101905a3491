{#-
    rpt_cac_ltv_by_channel against its sources: the window ends on the last day of the latest cost-complete
    month of rpt_monthly_unit_economics and holds min(var('unit_economics_window_months'), complete months)
    cost-complete months; each channel's leads, wins and cost equal the sums of its monthly rows in those
    months, and its wins equal the acquisitions of int_finance__account_acquisition closed in them. Returns
    one row per channel that disagrees (or a row for a missing channel).
-#}
with

cac_ltv as (

    select * from {{ ref('rpt_cac_ltv_by_channel') }}

),

monthly as (

    select * from {{ ref('rpt_monthly_unit_economics') }}

),

acquisitions as (

    select * from {{ ref('int_finance__account_acquisition') }}

),

complete_months as (

    select distinct month_start_date
    from monthly
    where is_cost_complete

),

expected_window as (

    select
        cast({{ dbt.dateadd('day', -1, dbt.dateadd('month', 1, 'max(month_start_date)')) }} as date)
            as window_end_date,
        case
            when count(*) < {{ var('unit_economics_window_months') }} then count(*)
            else {{ var('unit_economics_window_months') }}
        end as window_months_count
    from complete_months
    having count(*) > 0

),

window_months as (

    select complete_months.month_start_date
    from complete_months
    cross join cac_ltv
    where cac_ltv.channel = 'Inbound'
        and complete_months.month_start_date between cac_ltv.window_start_date and cac_ltv.window_end_date

),

monthly_totals as (

    select
        monthly.channel,
        sum(monthly.leads_count) as leads_count,
        sum(monthly.wins_count) as wins_count,
        sum(monthly.total_cost_amount) as total_cost_amount
    from monthly
    inner join window_months
        on monthly.month_start_date = window_months.month_start_date
    group by monthly.channel

),

acquisition_totals as (

    select
        acquisitions.channel,
        count(*) as wins_count
    from acquisitions
    inner join window_months
        on acquisitions.acquired_month_start_date = window_months.month_start_date
    group by acquisitions.channel

),

channels as (

    select 'Inbound' as channel
    union all
    select 'Outbound' as channel

)

select
    channels.channel,
    cac_ltv.window_end_date,
    expected_window.window_end_date as expected_window_end_date,
    cac_ltv.window_months_count,
    expected_window.window_months_count as expected_window_months_count,
    cac_ltv.deals_won_count,
    monthly_totals.wins_count as monthly_wins_count,
    acquisition_totals.wins_count as acquisition_wins_count,
    cac_ltv.total_cost_amount,
    monthly_totals.total_cost_amount as monthly_total_cost_amount
from channels
cross join expected_window
left join cac_ltv
    on channels.channel = cac_ltv.channel
left join monthly_totals
    on channels.channel = monthly_totals.channel
left join acquisition_totals
    on channels.channel = acquisition_totals.channel
where cac_ltv.channel is null
    or cac_ltv.window_end_date <> expected_window.window_end_date
    or cac_ltv.window_months_count <> expected_window.window_months_count
    or (select count(*) from window_months) <> expected_window.window_months_count
    or cac_ltv.leads_count <> coalesce(monthly_totals.leads_count, 0)
    or cac_ltv.deals_won_count <> coalesce(monthly_totals.wins_count, 0)
    or cac_ltv.deals_won_count <> coalesce(acquisition_totals.wins_count, 0)
    or abs(cac_ltv.total_cost_amount - coalesce(monthly_totals.total_cost_amount, 0)) > 0.01
