{#- Comma-separated column list of a relation, optionally aliased, filtered, prefixed or suffixed. -#}
{% macro star(from, relation_alias=False, except=[], prefix='', suffix='', quote_identifiers=True) -%}
    {{ return(adapter.dispatch('star', 'dbt_utils')(from, relation_alias, except, prefix, suffix, quote_identifiers)) }}
{%- endmacro %}

{% macro default__star(from, relation_alias, except, prefix, suffix, quote_identifiers) -%}
    {%- if from is string -%}
        {{ exceptions.raise_compiler_error(
            "star() expects a relation (ref() or source()), got the string '" ~ from ~ "'") }}
    {%- endif -%}
    {%- if (from | string).startswith('__dbt__cte__') -%}
        {{ exceptions.raise_compiler_error(
            "star() cannot read the columns of ephemeral model " ~ from ~ "; materialize it first") }}
    {%- endif -%}
    {#- The relation cannot be introspected while parsing; the ref above already recorded the dependency. -#}
    {%- if not execute -%}
        {{ return('*') }}
    {%- endif -%}
    {%- set columns = dbt_utils.get_filtered_columns_in_relation(from, except) -%}
    {%- if columns | length == 0 -%}
        {#- `dbt compile` may run before the relation exists; keep its output parseable. -#}
        {{ return('*' if flags.WHICH == 'compile' else '/* no columns returned from star() macro */') }}
    {%- endif -%}
    {%- set items = [] -%}
    {%- for col in columns -%}
        {%- set item = (relation_alias ~ '.' if relation_alias else '')
            ~ (adapter.quote(col) if quote_identifiers else col) -%}
        {%- if prefix or suffix -%}
            {%- set alias = prefix ~ col ~ suffix -%}
            {%- set item = item ~ ' as ' ~ (adapter.quote(alias) if quote_identifiers else alias) -%}
        {%- endif -%}
        {%- do items.append(item) -%}
    {%- endfor -%}
    {{ return(items | join(',\n    ')) }}
{%- endmacro %}


{#- Column names of a relation minus `except` (compared case-insensitively). -#}
{% macro get_filtered_columns_in_relation(from, except=[]) -%}
    {{ return(adapter.dispatch('get_filtered_columns_in_relation', 'dbt_utils')(from, except)) }}
{%- endmacro %}

{% macro default__get_filtered_columns_in_relation(from, except) -%}
    {%- if not execute -%}
        {{ return([]) }}
    {%- endif -%}
    {%- set excluded = except | map('lower') | list -%}
    {%- set names = [] -%}
    {%- for col in adapter.get_columns_in_relation(from) -%}
        {%- if col.column | lower not in excluded -%}
            {%- do names.append(col.column) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(names) }}
{%- endmacro %}
