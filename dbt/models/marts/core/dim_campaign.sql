{#- One row per marketing campaign (from the campaigns seed), with its channel's group. -#}
with

campaigns as (

    select * from {{ ref('campaigns') }}

),

channels as (

    select * from {{ ref('channels') }}

),

final as (

    select
        campaigns.campaign_id,
        campaigns.campaign_name,
        campaigns.channel,
        channels.channel_group,
        channels.is_paid,
        campaigns.campaign_kind,
        campaigns.objective
    from campaigns
    left join channels
        on campaigns.channel = channels.channel

)

select * from final
