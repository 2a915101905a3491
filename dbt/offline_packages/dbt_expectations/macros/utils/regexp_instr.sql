{#- SQL expression that is > 0 when `source_value` matches `regexp`, 0 when it does not. -#}
{% macro regexp_instr(source_value, regexp, position=1, occurrence=1, is_raw=False, flags="") -%}
    {{ return(adapter.dispatch('regexp_instr', 'dbt_expectations')(
        source_value, regexp, position, occurrence, is_raw, flags)) }}
{%- endmacro %}

{% macro default__regexp_instr(source_value, regexp, position, occurrence, is_raw, flags) -%}
    {%- if flags -%}
        {%- do dbt_expectations._validate_flags(flags, 'cimes') -%}
    {%- endif -%}
    {%- set pattern = ("r'" if is_raw else "'") ~ regexp ~ "'" -%}
    {{ return("regexp_instr(" ~ source_value ~ ", " ~ pattern ~ ", " ~ position ~ ", " ~ occurrence
        ~ ", 0, '" ~ flags ~ "')") }}
{%- endmacro %}

{% macro postgres__regexp_instr(source_value, regexp, position, occurrence, is_raw, flags) -%}
    {%- if flags -%}
        {%- do dbt_expectations._validate_flags(flags, 'bcegimnpqstwx') -%}
    {%- endif -%}
    {%- if is_raw -%}
        {%- do exceptions.warn("regexp_instr: is_raw is not supported on Postgres and is ignored.") -%}
    {%- endif -%}
    {#- regexp_matches yields no row on a miss; coalesce turns that into 0 so misses (and nulls) fail. -#}
    {{ return("coalesce(array_length((select regexp_matches(" ~ source_value ~ ", '" ~ regexp ~ "', '"
        ~ flags ~ "') limit 1), 1), 0)") }}
{%- endmacro %}

{% macro _validate_flags(flags, alphabet) -%}
    {%- for flag in flags -%}
        {%- if flag not in alphabet -%}
            {{ exceptions.raise_compiler_error(
                "Flag '" ~ flag ~ "' is not supported for this adapter; supported flags: " ~ alphabet) }}
        {%- endif -%}
    {%- endfor -%}
{%- endmacro %}
