{#-
    Blended CAC of rpt_monthly_unit_economics: for every cost-complete month it is the same on both channel
    rows and equals both channels' cost / both channels' wins (null when neither won). Returns the months
    where that fails.
-#}
with

monthly as (

    select * from {{ ref('rpt_monthly_unit_economics') }}

),

by_month as (

    select
        month_start_date,
        sum(total_cost_amount) as total_cost_amount,
        sum(wins_count) as wins_count,
        min(blended_cac_amount) as min_blended_cac_amount,
        max(blended_cac_amount) as max_blended_cac_amount,
        count(blended_cac_amount) as blended_cac_row_count,
        count(*) as row_count
    from monthly
    where is_cost_complete
    group by month_start_date

)

select *
from by_month
where (wins_count > 0 and (
    blended_cac_row_count <> row_count
    or min_blended_cac_amount <> max_blended_cac_amount
    or abs(min_blended_cac_amount - total_cost_amount / wins_count) > 0.005
))
or (wins_count = 0 and blended_cac_row_count > 0)
