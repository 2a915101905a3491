{#-
    A deterministic pseudo-random number in [0, 1) from the hash of a key: the same key and seed always give
    the same draw, on every run and every adapter. key_expressions is a list of SQL expressions (cast to
    text and joined with '|', then the seed); the draw is the first 8 hex digits of dbt.hash (md5) read as an
    unsigned 32-bit integer divided by 2^32. Used by the Monte Carlo pipeline forecast
    (int_pipeline__forecast_draws): key = (opportunity_id, simulation_number), seed = var forecast_random_seed.
-#}
{% macro uniform_random(key_expressions, seed) -%}
    {{ return(adapter.dispatch('uniform_random', 'gtm_warehouse')(key_expressions, seed)) }}
{%- endmacro %}

{#- The text that is hashed: every key expression as text, '|'-separated, then the seed. -#}
{% macro uniform_random_hash(key_expressions, seed) -%}
    {%- set parts = [] -%}
    {%- for expression in key_expressions -%}
        {%- do parts.append('cast(' ~ expression ~ ' as ' ~ dbt.type_string() ~ ')') -%}
        {%- do parts.append("'|'") -%}
    {%- endfor -%}
    {%- do parts.append("'" ~ (seed | string) ~ "'") -%}
    lower({{ dbt.hash(dbt.concat(parts)) }})
{%- endmacro %}

{#- Postgres: the 8 hex digits as a bit string, then an unsigned bigint. -#}
{% macro postgres__uniform_random(key_expressions, seed) -%}
    (cast(cast(cast('x' || substr({{ uniform_random_hash(key_expressions, seed) }}, 1, 8) as bit(32)) as bigint)
        as {{ dbt.type_float() }}) / 4294967296.0)
{%- endmacro %}

{#- Any other adapter: the same 8 hex digits converted positionally with dbt.position and substr, which every
    warehouse dbt supports, so the draws equal the Postgres ones. -#}
{% macro default__uniform_random(key_expressions, seed) -%}
    {%- set hex_hash = uniform_random_hash(key_expressions, seed) -%}
    (cast((
    {%- for digit in range(8) %}
        {% if not loop.first %}+ {% endif -%}
        cast({{ dbt.position('substr(' ~ hex_hash ~ ', ' ~ (digit + 1) ~ ', 1)', "'0123456789abcdef'") }} - 1
            as {{ dbt.type_bigint() }}) * {{ 16 ** (7 - digit) }}
    {%- endfor %}
    ) as {{ dbt.type_float() }}) / 4294967296.0)
{%- endmacro %}
