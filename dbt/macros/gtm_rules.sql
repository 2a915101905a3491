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

{#- numerator / denominator as a fraction rounded to `scale` decimals (type decimal(10, scale)); null when the
    denominator is 0 or null. The one definition of every *_rate / *_share ratio in the marts. -#}
{% macro safe_ratio(numerator, denominator, scale=4) -%}
    cast(round(cast({{ numerator }} as {{ dbt.type_numeric() }}) / nullif({{ denominator }}, 0), {{ scale }})
        as decimal(10, {{ scale }}))
{%- endmacro %}

{#- The channel a sales team's quota covers: the inverse of sales_team (Customer Success -> Existing Customer). -#}
{% macro team_channel(team) -%}
    case {{ team }}
        when 'Inbound Sales' then 'Inbound'
        when 'Outbound Sales' then 'Outbound'
        else 'Existing Customer'
    end
{%- endmacro %}

{#- The sales segments, largest first: the canonical spellings staging maps account and opportunity segments to. -#}
{% macro sales_segments() -%}
    {{ return(['Enterprise', 'Mid Market', 'Commercial', 'SMB']) }}
{%- endmacro %}

{#- The acquisition channels: lead channels whose ad spend and team pay are customer-acquisition cost. -#}
{% macro acquisition_channels() -%}
    {{ return(['Inbound', 'Outbound']) }}
{%- endmacro %}

{#- Every calendar month (its first day) up to the as-of month, from the month of first_month_expression (a
    scalar SQL expression) when given. The month spine of the monthly models. -#}
{% macro months_through_as_of(first_month_expression=none) -%}
    select distinct month_start_date
    from {{ ref('int_calendar__days') }}
    where month_start_date <= {{ as_of_date() }}
    {%- if first_month_expression is not none %}
        and month_start_date >= ({{ first_month_expression }})
    {%- endif %}
{%- endmacro %}

{#- The open pipeline stages in order; opportunity_stages() adds the two closed stages after them. -#}
{% macro open_stages() -%}
    {{ return(['Qualification', 'Demo Scheduled', 'Demo Completed', 'Proposal', 'Negotiation']) }}
{%- endmacro %}

{% macro opportunity_stages() -%}
    {{ return(open_stages() + ['Closed Won', 'Closed Lost']) }}
{%- endmacro %}
