{#- rpt_bookings holds every won opportunity closed on or before the as-of date: per opportunity type, the
    bookings (won ACV) and win counts summed over all months and segments equal the won opportunities'
    ACV and count in stg_crm__opportunities. Returns the types that differ. -#}
with

bookings as (

    select * from {{ ref('rpt_bookings') }}

),

opportunities as (

    select * from {{ ref('stg_crm__opportunities') }}

),

booked as (

    select
        'New Business' as opportunity_type,
        sum(new_business_acv_amount) as acv_amount,
        sum(new_business_won_count) as won_count
    from bookings
    union all
    select
        'Renewal' as opportunity_type,
        sum(renewal_acv_amount) as acv_amount,
        sum(renewal_won_count) as won_count
    from bookings
    union all
    select
        'Expansion' as opportunity_type,
        sum(expansion_acv_amount) as acv_amount,
        sum(expansion_won_count) as won_count
    from bookings

),

won as (

    select
        opportunity_type,
        sum(acv_amount) as acv_amount,
        count(*) as won_count
    from opportunities
    where is_won
        and close_date <= {{ as_of_date() }}
    group by opportunity_type

)

select
    coalesce(booked.opportunity_type, won.opportunity_type) as opportunity_type,
    booked.acv_amount as booked_acv_amount,
    won.acv_amount as won_acv_amount,
    booked.won_count as booked_won_count,
    won.won_count as won_won_count
from booked
full outer join won
    on booked.opportunity_type = won.opportunity_type
where coalesce(booked.acv_amount, 0) <> coalesce(won.acv_amount, 0)
    or coalesce(booked.won_count, 0) <> coalesce(won.won_count, 0)
