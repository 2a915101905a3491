{#-
    What the project needs from Apache Spark (dbt-spark, open-source Spark without a transactional table
    format) that dbt's defaults do not give. dbt_project.yml's `dispatch` puts this project first in the
    `dbt` and `dbt_expectations` namespaces, so these spark__ bodies win on the spark target only; no
    postgres__ macro of those namespaces is overridden.
-#}

{#- dbt.type_float() is Spark's 32-bit FLOAT: the project's floats (Monte Carlo draws, rates, weights) are
    64-bit, like Postgres's `float` (double precision). -#}
{% macro spark__type_float() -%}
    double
{%- endmacro %}

{#- Open-source Spark has no GRANT (access control belongs to the platform's catalog): the marts' `grants`
    config is a no-op here instead of a failed statement after each mart is created. -#}
{% macro spark__apply_grants(relation, grant_config, should_revoke=True) -%}
{%- endmacro %}

{#- The contracts name types in the project's Postgres vocabulary (text, double precision, timestamptz,
    numeric(p, s)); dbt checks a contract by casting nulls to the declared types. Spark reads them through
    spark_contract_type. -#}
{% macro spark__get_empty_schema_sql(columns) -%}
    {%- set translated = {} -%}
    {%- for name, column in columns.items() -%}
        {%- set copy = column.copy() if column is mapping else column -%}
        {%- if copy.get('data_type') -%}
            {%- do copy.update({'data_type': spark_contract_type(copy['data_type'])}) -%}
        {%- endif -%}
        {%- do translated.update({name: copy}) -%}
    {%- endfor -%}
    {{ return(dbt.default__get_empty_schema_sql(translated)) }}
{%- endmacro %}

{#- A Postgres type name as Spark spells it. -#}
{% macro spark_contract_type(data_type) -%}
    {%- set name = data_type | trim | lower -%}
    {%- set names = {
        'text': 'string', 'varchar': 'string', 'character varying': 'string',
        'double precision': 'double', 'float8': 'double', 'float': 'double', 'real': 'float',
        'timestamptz': 'timestamp', 'timestamp with time zone': 'timestamp',
        'timestamp without time zone': 'timestamp', 'integer': 'int', 'numeric': 'decimal(38, 12)',
    } -%}
    {%- if name in names -%}
        {{ return(names[name]) }}
    {%- elif name.startswith('numeric(') -%}
        {{ return('decimal' ~ name[7:]) }}
    {%- endif -%}
    {{ return(name) }}
{%- endmacro %}

{#- Incremental models whose strategy (delete+insert, or a delete pre-hook) needs a transactional table
    format on Spark are tables there: same rows, rebuilt in full on every run. -#}
{% macro incremental_if_supported() -%}
    {{ return('table' if target.type == 'spark' else 'incremental') }}
{%- endmacro %}

{#- Spark's weekday() is 0 = Monday ... 6 = Sunday. -#}
{% macro spark__day_of_week_iso(date_expression) -%}
    (weekday({{ date_expression }}) + 1)
{%- endmacro %}

{#- How a contract compares types on Spark: as strictly as Postgres compares them. Postgres reports every
    decimal as `numeric`, whatever its precision, so Spark's decimals compare without theirs (sum() widens
    decimal(18, 2) to decimal(28, 2)); and integers compare as one family, since row_number() is a 32-bit
    int on Spark where Postgres gives bigint. The values are pinned by the cross-engine mart comparison
    (tests/test_spark.py). -#}
{% macro spark__format_column(column) -%}
    {%- set data_type = column.dtype | lower -%}
    {%- if data_type.startswith('decimal') -%}
        {%- set data_type = 'decimal' -%}
    {%- elif data_type in ('tinyint', 'smallint', 'int', 'integer', 'bigint') -%}
        {%- set data_type = 'integer' -%}
    {%- endif -%}
    {{ return({'name': column.name, 'data_type': data_type, 'formatted': column.column.lower() ~ ' ' ~ data_type}) }}
{%- endmacro %}

{#- dbt-spark 1.11's dateadd goes through whole seconds (to_unix_timestamp), which drops the microseconds a
    timestamp has on every other engine, and repeats its argument five times, so nested calls (fiscal
    calendars) grow the SQL exponentially: dim_date took minutes to plan. timestampadd keeps microseconds,
    clamps month ends as Postgres does, and names its argument once. -#}
{% macro spark__dateadd(datepart, interval, from_date_or_timestamp) -%}
    timestampadd({{ datepart | upper }}, cast({{ interval }} as bigint), cast({{ from_date_or_timestamp }} as timestamp))
{%- endmacro %}

{#- dbt-spark 1.11's datediff counts elapsed hours/minutes/seconds (rounded up), where dbt's other adapters
    (and Postgres here) count calendar boundaries crossed; 10:00:00 -> 10:00:30 is 1 minute there, 0 here.
    These are Postgres's definitions, part by part. -#}
{% macro spark__datediff(first_date, second_date, datepart) -%}
    {%- set first = 'cast(' ~ first_date ~ ' as timestamp)' -%}
    {%- set second = 'cast(' ~ second_date ~ ' as timestamp)' -%}
    {%- if datepart == 'year' -%}
        (year({{ second }}) - year({{ first }}))
    {%- elif datepart == 'quarter' -%}
        ({{ spark__datediff(first_date, second_date, 'year') }} * 4 + quarter({{ second }}) - quarter({{ first }}))
    {%- elif datepart == 'month' -%}
        ({{ spark__datediff(first_date, second_date, 'year') }} * 12 + month({{ second }}) - month({{ first }}))
    {%- elif datepart == 'day' -%}
        datediff(cast({{ second_date }} as date), cast({{ first_date }} as date))
    {%- elif datepart == 'week' -%}
        (({{ spark__datediff(first_date, second_date, 'day') }} div 7) + case
            when dayofweek({{ first }}) <= dayofweek({{ second }}) then
                case when {{ first }} <= {{ second }} then 0 else -1 end
            else
                case when {{ first }} <= {{ second }} then 1 else 0 end
        end)
    {%- elif datepart == 'hour' -%}
        ({{ spark__datediff(first_date, second_date, 'day') }} * 24 + hour({{ second }}) - hour({{ first }}))
    {%- elif datepart == 'minute' -%}
        ({{ spark__datediff(first_date, second_date, 'hour') }} * 60 + minute({{ second }}) - minute({{ first }}))
    {%- elif datepart == 'second' -%}
        ({{ spark__datediff(first_date, second_date, 'minute') }} * 60 + second({{ second }}) - second({{ first }}))
    {%- else -%}
        {{ exceptions.raise_compiler_error("datediff: datepart " ~ datepart ~ " is not supported on Spark") }}
    {%- endif -%}
{%- endmacro %}

{#- dbt-spark 1.11 adds a contract's constraints (ALTER COLUMN ... SET NOT NULL) unless file_format is set
    to something other than delta, i.e. also when it is not set at all, where tables are Parquet and the
    ALTER fails after the table is built. Only Delta tables take them; the not-null and other data tests
    check the same rules on every engine. -#}
{% macro spark__persist_constraints(relation, model) -%}
    {%- if config.get('contract').enforced and config.get('file_format') == 'delta' -%}
        {%- do alter_table_add_constraints(relation, model.constraints) -%}
        {%- do alter_column_set_constraints(relation, model.columns) -%}
    {%- endif -%}
{%- endmacro %}

{#- The same draw as postgres__uniform_random (the first 8 hex digits of the md5, unsigned, / 2^32) with
    Spark's base conversion instead of default__'s eight position() calls, which took minutes per test. -#}
{% macro spark__uniform_random(key_expressions, seed) -%}
    (cast(cast(conv(substr({{ uniform_random_hash(key_expressions, seed) }}, 1, 8), 16, 10) as bigint)
        as {{ dbt.type_float() }}) / 4294967296.0)
{%- endmacro %}
