{#- Identity test: the model has exactly as many rows (optionally: matching model_condition) as compare_model
    (optionally: matching compare_condition). Fails with both counts when they differ. -#}
{% test equal_row_count(model, compare_model, model_condition=none, compare_condition=none) %}

with

model_rows as (

    select count(*) as row_count from {{ model }}
    {% if model_condition %}where {{ model_condition }}{% endif %}

),

compare_rows as (

    select count(*) as row_count from {{ compare_model }}
    {% if compare_condition %}where {{ compare_condition }}{% endif %}

)

select
    model_rows.row_count as model_row_count,
    compare_rows.row_count as compare_row_count
from model_rows
cross join compare_rows
where model_rows.row_count <> compare_rows.row_count

{% endtest %}
