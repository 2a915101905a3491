with

leads as (

    select * from {{ ref('stg_crm__leads') }}

),

accounts as (

    select * from {{ ref('stg_crm__accounts') }}

),

lead_sources as (

    select * from {{ ref('lead_sources') }}

),

enriched as (

    select
        leads.lead_id,
        leads.account_id,
        leads.channel,
        leads.lead_source,
        coalesce(lead_sources.source_group, 'Unmapped') as lead_source_group,
        leads.lead_status,
        leads.is_converted,
        leads.form_submitted_at,
        leads.predicted_monthly_value_amount,
        leads.created_at,
        accounts.segment as account_segment,
        accounts.region as account_region
    from leads
    left join accounts
        on leads.account_id = accounts.account_id
    left join lead_sources
        on leads.lead_source = lead_sources.lead_source

)

select * from enriched
