{#- One row per won New Business opportunity: an account acquired (or won back) through the opportunity's
    channel (the lead's channel: Inbound, Outbound, or Unknown for deals whose lead predates the CRM
    history). The acquisition's period runs from the month it closed to the month before the account's next
    won New Business deal (open-ended for the latest one), so a churned customer won back through another
    channel is credited to that channel from its new close month on. -#}
with

opportunities as (

    select * from {{ ref('int_crm__opportunities_enriched') }}

),

won_new_business as (

    select
        opportunity_id,
        account_id,
        channel,
        close_date,
        cast({{ dbt.date_trunc('month', 'close_date') }} as date) as acquired_month_start_date,
        created_at,
        acv_amount
    from opportunities
    where opportunity_type = 'New Business'
        and is_won

),

sequenced as (

    select
        *,
        row_number() over (
            partition by account_id
            order by close_date, created_at, opportunity_id
        ) as acquisition_number,
        lead(acquired_month_start_date) over (
            partition by account_id
            order by close_date, created_at, opportunity_id
        ) as next_acquired_month_start_date
    from won_new_business

),

final as (

    select
        opportunity_id,
        account_id,
        channel,
        close_date as acquired_date,
        acquired_month_start_date,
        next_acquired_month_start_date,
        acquisition_number,
        next_acquired_month_start_date is null as is_latest_acquisition,
        cast(acv_amount as {{ type_money() }}) as acv_amount,
        cast(acv_amount / 12.0 as {{ type_money() }}) as monthly_subscription_amount
    from sequenced

)

select * from final
