with

ad_spend as (

    select * from {{ ref('base_spend__ad_daily') }}
    where is_accepted_version

),

final as (

    select
        spend_id,
        spend_date,
        channel,
        campaign_id,
        campaign_name,
        impressions,
        click_count,
        spend_amount,
        batch_id,
        loaded_at
    from ad_spend

)

select * from final
