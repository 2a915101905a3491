{#- The attribution models of fct_attribution_credit, in report order (var attribution_models). -#}
{% macro attribution_models() -%}
    {{ return(var('attribution_models').keys() | list) }}
{%- endmacro %}

{#- The measures every attribution report sums over its rows of fct_attribution_credit. -#}
{% macro attribution_measures() -%}
    count(distinct case when credit_fraction > 0 then opportunity_id end) as credited_opportunity_count,
    cast(sum(credit_fraction) as decimal(18, 4)) as attributed_opportunity_count,
    sum(attributed_pipeline_amount) as attributed_pipeline_amount,
    sum(attributed_won_amount) as attributed_won_amount
{%- endmacro %}

