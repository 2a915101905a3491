-- Seed 000, Foundation: row counts across the data products' models.
select 'ops_leads' as model, count(*) as row_count from {{ ref('ops_leads') }}
union all
select 'ops_opportunities', count(*) from {{ ref('ops_opportunities') }}
union all
select 'ops_pipeline_health', count(*) from {{ ref('ops_pipeline_health') }}
union all
select 'rpt_lead_outreach_priority', count(*) from {{ ref('rpt_lead_outreach_priority') }}
union all
select 'rpt_channel_efficiency', count(*) from {{ ref('rpt_channel_efficiency') }}
union all
select 'rpt_pipeline_health', count(*) from {{ ref('rpt_pipeline_health') }}
union all
select 'rpt_monthly_unit_economics', count(*) from {{ ref('rpt_monthly_unit_economics') }}
order by model
