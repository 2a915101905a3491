{#-
    Identity: per acquisition channel, the leads, New Business opportunities, wins and won ACV summed over
    every month of rpt_monthly_unit_economics equal the counts in int_crm__leads_enriched (leads by
    created_at) and int_crm__opportunities_enriched (New Business, by created_at; wins by close_date), for
    records dated up to the end of the as-of month. Returns one row per channel whose totals differ.
-#}
with

monthly as (

    select * from {{ ref('rpt_monthly_unit_economics') }}

),

leads as (

    select * from {{ ref('int_crm__leads_enriched') }}

),

opportunities as (

    select * from {{ ref('int_crm__opportunities_enriched') }}

),

bounds as (

    select
        cast({{ dbt.dateadd('month', 1, dbt.date_trunc('month', as_of_date())) }} as date) as next_month_start_date

),

channels as (

    select 'Inbound' as channel
    union all
    select 'Outbound' as channel

),

report_totals as (

    select
        channel,
        sum(leads_count) as leads_count,
        sum(opportunities_count) as opportunities_count,
        sum(wins_count) as wins_count,
        sum(won_acv_amount) as won_acv_amount
    from monthly
    group by channel

),

crm_leads as (

    select
        leads.channel,
        count(*) as leads_count
    from leads
    cross join bounds
    where leads.created_at < bounds.next_month_start_date
    group by leads.channel

),

crm_opportunities as (

    select
        opportunities.channel,
        sum(case when opportunities.created_at < bounds.next_month_start_date then 1 else 0 end)
            as opportunities_count,
        sum(case when opportunities.is_won and opportunities.close_date < bounds.next_month_start_date
                then 1
            else 0
        end) as wins_count,
        sum(case when opportunities.is_won and opportunities.close_date < bounds.next_month_start_date
                then opportunities.acv_amount
            else 0
        end) as won_acv_amount
    from opportunities
    cross join bounds
    where opportunities.opportunity_type = 'New Business'
    group by opportunities.channel

)

select
    channels.channel,
    report_totals.leads_count as report_leads_count,
    crm_leads.leads_count as crm_leads_count,
    report_totals.opportunities_count as report_opportunities_count,
    crm_opportunities.opportunities_count as crm_opportunities_count,
    report_totals.wins_count as report_wins_count,
    crm_opportunities.wins_count as crm_wins_count,
    report_totals.won_acv_amount as report_won_acv_amount,
    crm_opportunities.won_acv_amount as crm_won_acv_amount
from channels
left join report_totals
    on channels.channel = report_totals.channel
left join crm_leads
    on channels.channel = crm_leads.channel
left join crm_opportunities
    on channels.channel = crm_opportunities.channel
where coalesce(report_totals.leads_count, 0) <> coalesce(crm_leads.leads_count, 0)
    or coalesce(report_totals.opportunities_count, 0) <> coalesce(crm_opportunities.opportunities_count, 0)
    or coalesce(report_totals.wins_count, 0) <> coalesce(crm_opportunities.wins_count, 0)
    or abs(coalesce(report_totals.won_acv_amount, 0) - coalesce(crm_opportunities.won_acv_amount, 0)) > 0.01
