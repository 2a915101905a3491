with

team_pay as (

    select * from {{ ref('base_spend__team_monthly') }}
    where is_accepted_version

),

final as (

    select
        team_month_id,
        month_start_date,
        team,
        channel,
        headcount,
        salary_amount,
        commission_amount,
        cast(salary_amount + commission_amount as {{ type_money() }}) as total_pay_amount,
        batch_id,
        loaded_at
    from team_pay

)

select * from final
