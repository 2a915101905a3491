{#- Pipeline movement balances, exactly, on every row of fct_pipeline_movement: opening + created + pulled_in
    - pushed_out + increased - decreased - won - lost = closing for amounts, and the same for opportunity
    counts (amount changes move no count). Returns the rows that do not balance. -#}
with

movement as (

    select * from {{ ref('fct_pipeline_movement') }}

),

balances as (

    select
        period_grain,
        period_start_date,
        channel,
        account_segment,
        closing_pipeline_amount,
        opening_pipeline_amount
        + created_amount
        + pulled_in_amount
        - pushed_out_amount
        + amount_increased_amount
        - amount_decreased_amount
        - won_amount
        - lost_amount as balanced_closing_amount,
        closing_pipeline_count,
        opening_pipeline_count
        + created_count
        + pulled_in_count
        - pushed_out_count
        - won_count
        - lost_count as balanced_closing_count
    from movement

)

select *
from balances
where
    balanced_closing_amount <> closing_pipeline_amount
    or balanced_closing_count <> closing_pipeline_count
