{#- rpt_data_product_row_counts holds one row per data-product model and each row_count is the model's row
    count now. Fails with the models whose stored count is missing or differs. -#}
with

counted as (

    select * from {{ ref('rpt_data_product_row_counts') }}

),

actual as (
    {%- for model_name in data_product_models() %}

    select
        '{{ model_name }}' as model_name,
        count(*) as row_count
    from {{ ref(model_name) }}
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}

)

select
    actual.model_name,
    actual.row_count as actual_row_count,
    counted.row_count as counted_row_count
from actual
left join counted
    on actual.model_name = counted.model_name
where counted.model_name is null
    or counted.row_count <> actual.row_count
