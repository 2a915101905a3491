{#- Row counts of seed 000's data-product models, counted when this model is built (normally in the same run
    as the models it counts): a health check dashboards read without scanning the big row-level marts. -#}
{%- for model_name in data_product_models() %}
select
    cast('{{ model_name }}' as {{ dbt.type_string() }}) as model_name,
    cast(count(*) as {{ dbt.type_bigint() }}) as row_count
from {{ ref(model_name) }}
{%- if not loop.last %}
union all
{%- endif %}
{%- endfor %}
