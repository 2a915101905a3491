-- Seed 000, Data Product 1: working leads by health from the aggregate table.
select
    health_status,
    sum(record_count) as leads,
    round(sum(total_forecasted_annual_revenue_amount), 0) as forecasted_annual_revenue,
    round(sum(total_potential_annual_revenue_amount), 0) as potential_annual_revenue,
    round(sum(record_count * avg_days_in_pipeline) / nullif(sum(record_count), 0), 0) as wtd_avg_days,
    round(sum(record_count * avg_touch_count) / nullif(sum(record_count), 0), 1) as wtd_avg_touches,
    round(100.0 * sum(decision_maker_connected_count) / nullif(sum(record_count), 0), 1) as dm_connected_pct
from {{ ref('rpt_pipeline_health') }}
where record_type = 'Lead'
group by health_status
order by case health_status when 'Active' then 1 when 'Aging' then 2 when 'Stale' then 3 end
