{#-
    rpt_channel_efficiency has exactly one row per cost-complete month and channel of
    rpt_monthly_unit_economics, carrying the same cost, CAC and cost per lead. Returns the month-channels
    present on one side only or whose figures differ.
-#}
with

efficiency as (

    select * from {{ ref('rpt_channel_efficiency') }}

),

monthly as (

    select * from {{ ref('rpt_monthly_unit_economics') }}
    where is_cost_complete

)

select
    coalesce(monthly.month_start_date, efficiency.month_start_date) as month_start_date,
    coalesce(monthly.channel, efficiency.channel) as channel,
    monthly.cac_amount as monthly_cac_amount,
    efficiency.cac_amount as efficiency_cac_amount
from monthly
full outer join efficiency
    on monthly.month_start_date = efficiency.month_start_date
        and monthly.channel = efficiency.channel
where monthly.month_start_date is null
    or efficiency.month_start_date is null
    or monthly.total_cost_amount <> efficiency.total_cost_amount
    or coalesce(monthly.cac_amount, -1) <> coalesce(efficiency.cac_amount, -1)
    or coalesce(monthly.cost_per_lead_amount, -1) <> coalesce(efficiency.cost_per_lead_amount, -1)
