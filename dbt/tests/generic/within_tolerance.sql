{#- An estimate agrees with its expected value within a tolerance: fails with the rows where
    |column - expected_column| > tolerance x |expected_column| + max_standard_errors x standard_error_expression.
    tolerance is relative (0.03 = 3 %); the optional standard-error term widens the band where the estimate
    rests on few random draws (a Monte Carlo mean over a handful of opportunities). Rows where either side is
    null pass. -#}
{% test within_tolerance(
    model, column_name, expected_column, tolerance, standard_error_expression=none, max_standard_errors=0
) %}

select
    {{ column_name }} as estimate,
    {{ expected_column }} as expected_value
from {{ model }}
where
    abs({{ column_name }} - {{ expected_column }})
    > {{ tolerance }} * abs({{ expected_column }})
    {%- if standard_error_expression is not none %}
    + {{ max_standard_errors }} * ({{ standard_error_expression }})
    {%- endif %}

{% endtest %}
