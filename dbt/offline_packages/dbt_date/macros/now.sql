{#- Current wall-clock time (naive timestamp) in `tz`, defaulting to var dbt_date:time_zone. -#}
{%- macro now(tz=None) -%}
    {{ return(adapter.dispatch('now', 'dbt_date')(tz)) }}
{%- endmacro -%}

{%- macro default__now(tz) -%}
    {{ return(dbt_date.convert_timezone(dbt.current_timestamp(), tz)) }}
{%- endmacro -%}

{%- macro postgres__now(tz) -%}
    {#- current_timestamp is timestamptz: converting it directly keeps the session time zone out of it. -#}
    {%- set tz = tz or var('dbt_date:time_zone', 'UTC') -%}
    {{ return("cast(" ~ dbt.current_timestamp() ~ " at time zone '" ~ tz ~ "' as " ~ dbt.type_timestamp() ~ ")") }}
{%- endmacro -%}


{#- Converts a naive timestamp read in source_tz (default UTC) to a naive timestamp in target_tz. -#}
{%- macro convert_timezone(column, target_tz=None, source_tz=None) -%}
    {%- set target_tz = target_tz or var('dbt_date:time_zone', 'UTC') -%}
    {%- set source_tz = source_tz or 'UTC' -%}
    {{ return(adapter.dispatch('convert_timezone', 'dbt_date')(column, target_tz, source_tz)) }}
{%- endmacro -%}

{%- macro default__convert_timezone(column, target_tz, source_tz) -%}
    {{ return("convert_timezone('" ~ source_tz ~ "', '" ~ target_tz ~ "', " ~ column ~ ")") }}
{%- endmacro -%}

{%- macro postgres__convert_timezone(column, target_tz, source_tz) -%}
    {{ return("cast(cast(" ~ column ~ " as " ~ dbt.type_timestamp() ~ ") at time zone '" ~ source_tz
        ~ "' at time zone '" ~ target_tz ~ "' as " ~ dbt.type_timestamp() ~ ")") }}
{%- endmacro -%}
