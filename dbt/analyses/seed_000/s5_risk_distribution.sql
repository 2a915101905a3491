-- Seed 000, Data Product 1: risk across the whole live pipeline (opportunities and working leads).
select
    risk_level,
    sum(record_count) as records,
    round(100.0 * sum(record_count) / sum(sum(record_count)) over (), 1) as pct_of_records
from {{ ref('rpt_pipeline_health') }}
group by risk_level
order by case risk_level when 'High' then 1 when 'Medium' then 2 else 3 end
