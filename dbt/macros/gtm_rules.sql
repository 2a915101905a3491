{#- The sales team that owns an opportunity's number: New Business from Inbound -> Inbound Sales, from Outbound
    -> Outbound Sales; Existing Customer (expansions and renewals) -> Customer Success; anything else (Unknown
    channel) -> the owner's team, or Unknown. Quotas (seed sales_quotas) are set per team. -#}
{% macro sales_team(channel, owner_team) -%}
    case {{ channel }}
        when 'Inbound' then 'Inbound Sales'
        when 'Outbound' then 'Outbound Sales'
        when 'Existing Customer' then 'Customer Success'
        else coalesce({{ owner_team }}, 'Unknown')
    end
{%- endmacro %}
