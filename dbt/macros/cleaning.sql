{#
    Repairs for the defects CRM and billing exports really have (each generator defect kind has a rule
    here or a quarantine reason in the base models). Every macro takes a SQL expression and returns one.
#}

{#- Map case/underscore/whitespace variants ("closed_won", " Closed Won ", "SMB ") to the canonical spelling.
    Values outside the list pass through trimmed, so accepted_values tests still catch real surprises. -#}
{% macro canonical_value(expression, canonical_values) -%}
    case lower(trim({{ gtm_warehouse.regexp_replace(expression, '[_[:space:]]+', ' ') }}))
    {%- for value in canonical_values %}
        when '{{ value | lower }}' then '{{ value }}'
    {%- endfor %}
        else trim({{ expression }})
    end
{%- endmacro %}

{#- Money exported as text in any of: 1234.56 | $1,234.56 | US$ 55 779,40 | 1.234,56 | -1234.00.
    A comma followed by one or two final digits is the decimal separator; any other comma or dot
    before it groups thousands. -#}
{% macro parse_amount(expression) -%}
    {%- set digits = gtm_warehouse.regexp_replace(expression, '[^0-9,.-]', '') -%}
    cast(nullif(
        case
            when {{ digits }} like '%,__' or {{ digits }} like '%,_'
                then replace(replace({{ digits }}, '.', ''), ',', '.')
            else replace({{ digits }}, ',', '')
        end, '') as {{ dbt.type_numeric() }})
{%- endmacro %}

{#- Years exported with the century dropped to zeros (0024-05-01 for 2024-05-01). -#}
{% macro fix_zero_century(expression) -%}
    case
        when {{ expression }} like '00%'
            then {{ dbt.concat(["'20'", dbt.right(expression, dbt.length(expression) ~ " - 2")]) }}
        else {{ expression }}
    end
{%- endmacro %}

{#- Text timestamp (ISO, optional offset, optional zero-century year) -> UTC timestamp. -#}
{% macro clean_timestamp_text(expression) -%}
    {{ to_utc_timestamp(fix_zero_century("nullif(trim(" ~ expression ~ "), '')")) }}
{%- endmacro %}

{#- Python-list strings ("['call', 'email']") and plain lists ("call,email") -> "call,email". -#}
{% macro normalise_list(expression) -%}
    nullif({{ gtm_warehouse.regexp_replace(expression, "[][ ''\"]", '') }}, '')
{%- endmacro %}

{% macro email_pattern() -%}
    ^[a-z0-9._%+-]+@[a-z0-9.-]+\.[a-z]{2,}$
{%- endmacro %}
