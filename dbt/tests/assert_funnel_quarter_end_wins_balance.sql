{#- Every staged win closed on or before the as-of date and created inside tracked history (on or after the
    pre-history boundary of int_calendar__tracked_history) is counted in exactly one quarter of
    rpt_quarter_end_compression, with its ACV. -#}
with

report as (

    select
        sum(won_count) as reported_won_count,
        sum(won_acv_amount) as reported_won_acv_amount
    from {{ ref('rpt_quarter_end_compression') }}

),

opportunities as (

    select * from {{ ref('stg_crm__opportunities') }}

),

wins as (

    select
        count(*) as won_count,
        sum(acv_amount) as won_acv_amount
    from opportunities
    where is_won
        and close_date <= {{ as_of_date() }}
        and cast(created_at as date) >= coalesce(
            (select tracked_history_start_date from {{ ref('int_calendar__tracked_history') }}),
            cast('0001-01-01' as date)
        )

)

select
    report.reported_won_count,
    wins.won_count,
    report.reported_won_acv_amount,
    wins.won_acv_amount
from report
cross join wins
where coalesce(report.reported_won_count, 0) <> wins.won_count
    or coalesce(report.reported_won_acv_amount, 0) <> coalesce(wins.won_acv_amount, 0)
