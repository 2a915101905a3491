{#- One row per opportunity per day while it is open (and its closing day): the state at the end of each day,
    built once in int_crm__opportunity_daily. -#}
with

opportunity_daily as (

    select * from {{ ref('int_crm__opportunity_daily') }}

)

select
    opportunity_day_id,
    date_day,
    opportunity_id,
    account_id,
    owner_user_id,
    stage_name,
    acv_amount,
    probability,
    forecast_category,
    close_date,
    is_closed,
    is_won,
    created_date,
    days_since_created
from opportunity_daily
