{#- Identity test: sum(expression) over the model equals sum(compare_expression) over compare_model (optionally
    restricted by compare_condition), within an absolute tolerance for rounded money. Fails with both sums. -#}
{% test equal_sum(model, expression, compare_model, compare_expression, compare_condition=none, tolerance=0) %}

with

model_total as (

    select coalesce(sum({{ expression }}), 0) as total from {{ model }}

),

compare_total as (

    select coalesce(sum({{ compare_expression }}), 0) as total from {{ compare_model }}
    {% if compare_condition %}where {{ compare_condition }}{% endif %}

)

select
    model_total.total as model_total,
    compare_total.total as compare_total
from model_total
cross join compare_total
where abs(model_total.total - compare_total.total) > {{ tolerance }}

{% endtest %}
