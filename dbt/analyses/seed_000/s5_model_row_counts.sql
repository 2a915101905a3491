-- Seed 000, Foundation: row counts across the data products' models.
select
    'ops_leads' as model_name,
    count(*) as row_count
from {{ ref('ops_leads') }}
union all
select
    'ops_opportunities' as model_name,
    count(*) as row_count
from {{ ref('ops_opportunities') }}
union all
select
    'ops_pipeline_health' as model_name,
    count(*) as row_count
from {{ ref('ops_pipeline_health') }}
union all
select
    'rpt_lead_outreach_priority' as model_name,
    count(*) as row_count
from {{ ref('rpt_lead_outreach_priority') }}
union all
select
    'rpt_channel_efficiency' as model_name,
    count(*) as row_count
from {{ ref('rpt_channel_efficiency') }}
union all
select
    'rpt_pipeline_health' as model_name,
    count(*) as row_count
from {{ ref('rpt_pipeline_health') }}
union all
select
    'rpt_monthly_unit_economics' as model_name,
    count(*) as row_count
from {{ ref('rpt_monthly_unit_economics') }}
order by model_name
