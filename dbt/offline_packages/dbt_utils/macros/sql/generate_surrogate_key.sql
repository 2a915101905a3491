{#- md5 over the fields cast to text and joined with '-'. Nulls become a sentinel so that
    (null, 'a') and ('', 'a') hash differently. -#}
{%- macro generate_surrogate_key(field_list) -%}
    {{ return(adapter.dispatch('generate_surrogate_key', 'dbt_utils')(field_list)) }}
{%- endmacro %}

{%- macro default__generate_surrogate_key(field_list) -%}
    {%- if field_list is string -%}
        {{ exceptions.raise_compiler_error(
            "generate_surrogate_key expects a list of column names or expressions, got the string '"
            ~ field_list ~ "'") }}
    {%- endif -%}
    {%- if var('surrogate_key_treat_nulls_as_empty_strings', false) -%}
        {%- set null_token = '' -%}
    {%- else -%}
        {%- set null_token = '_dbt_utils_surrogate_key_null_' -%}
    {%- endif -%}
    {%- set parts = [] -%}
    {%- for field in field_list -%}
        {%- if not loop.first -%}
            {%- do parts.append("'-'") -%}
        {%- endif -%}
        {%- do parts.append(
            "coalesce(cast(" ~ field ~ " as " ~ dbt.type_string() ~ "), '" ~ null_token ~ "')") -%}
    {%- endfor -%}
    {{ dbt.hash(dbt.concat(parts)) }}
{%- endmacro %}
