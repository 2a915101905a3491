{#- One row per staged lead with the moment it reached each funnel stage: lead (created), MQL, SQL,
    opportunity (its New Business opportunity was created) and won (that opportunity closed won). MQL and
    SQL come from the lead's CDC versions; stages are cumulative, so a missing earlier timestamp is filled
    with the next later one and every lead that reached a stage also counts in every stage before it. -#}
with

leads as (

    select * from {{ ref('int_crm__leads_enriched') }}

),

lead_versions as (

    select * from {{ ref('base_crm__leads') }}

),

opportunities as (

    select * from {{ ref('stg_crm__opportunities') }}

),

staged_lead_versions as (

    -- Every version of the leads staging kept. Older versions quarantined for another column (a missing
    -- created_at, an orphan account) still say truthfully which status the lead had and when.
    select
        lead_versions.lead_id,
        lead_versions.lead_status,
        lead_versions.is_decision_maker_connected,
        lead_versions.updated_at
    from lead_versions
    inner join leads
        on lead_versions.lead_id = leads.lead_id
    where lead_versions.updated_at is not null

),

version_milestones as (

    select
        lead_id,
        min(case
            when is_decision_maker_connected or lead_status in ('Demo Set', 'Converted') then updated_at
        end) as first_engaged_at,
        min(case when lead_status in ('Demo Set', 'Converted') then updated_at end) as first_sales_accepted_at
    from staged_lead_versions
    group by lead_id

),

new_business_opportunities as (

    select
        opportunity_id,
        created_at,
        close_date,
        is_won
    from opportunities
    where opportunity_type = 'New Business'

),

observed as (

    select
        leads.lead_id,
        leads.channel,
        leads.lead_source,
        leads.account_segment,
        leads.lead_status,
        leads.created_at as lead_at,
        case
            when leads.channel = 'Inbound' then leads.form_submitted_at
            else version_milestones.first_engaged_at
        end as observed_mql_at,
        version_milestones.first_sales_accepted_at as observed_sql_at,
        new_business_opportunities.opportunity_id,
        new_business_opportunities.created_at as opportunity_at,
        case
            when new_business_opportunities.is_won
                then cast(new_business_opportunities.close_date as {{ dbt.type_timestamp() }})
        end as won_at,
        leads.speed_to_lead_minutes
    from leads
    left join version_milestones
        on leads.lead_id = version_milestones.lead_id
    left join new_business_opportunities
        on leads.converted_opportunity_id = new_business_opportunities.opportunity_id

),

cumulative as (

    select
        *,
        coalesce(observed_sql_at, opportunity_at) as sql_at
    from observed

),

filled as (

    select
        *,
        coalesce(observed_mql_at, sql_at) as mql_at
    from cumulative

),

final as (

    select
        lead_id,
        channel,
        lead_source,
        account_segment,
        lead_status,
        cast({{ dbt.date_trunc('month', 'lead_at') }} as date) as cohort_month_start_date,
        opportunity_id,
        lead_at,
        mql_at,
        sql_at,
        opportunity_at,
        won_at,
        mql_at is not null as is_mql,
        sql_at is not null as is_sql,
        opportunity_at is not null as has_opportunity,
        won_at is not null as is_won,
        (observed_mql_at is null and mql_at is not null)
        or (observed_sql_at is null and sql_at is not null) as is_milestone_filled,
        speed_to_lead_minutes,
        cast(round(case
            when mql_at is null then null
            when mql_at <= lead_at then 0
            else cast({{ dbt.datediff('lead_at', 'mql_at', 'minute') }} as {{ dbt.type_numeric() }}) / 60
        end, 2) as numeric(12, 2)) as speed_to_mql_hours,
        {{ dbt.datediff('cast(lead_at as date)', 'cast(opportunity_at as date)', 'day') }}
            as lead_to_opportunity_days,
        {{ dbt.datediff('cast(opportunity_at as date)', 'cast(won_at as date)', 'day') }}
            as opportunity_to_won_days
    from filled

)

select * from final
