{#-
    POSIX (Postgres) regular expressions -> Java (Spark) regular expressions, for the project's patterns.

    The project writes its patterns once, in the POSIX dialect Postgres runs, as the body of a SQL string
    literal (a quote doubled). Java's regex engine reads three of their constructs differently, silently
    or with a hard error, and Spark's string literals unescape backslashes:
      - `[:space:]`-style classes inside brackets: Java reads `[[:space:]]` as the set of the characters
        `:`, `s`, `p`, `a`, `c`, `e` (a silently wrong answer); they become `\s`, `\d`, `\p{Alpha}`, ...
      - a `]` first in a bracket expression (`[]x]`) is a literal in POSIX and an error in Java; a `[`
        inside a bracket expression is a literal in POSIX and a nested class in Java: both are escaped.
      - a backslash (`\.`) reaches Java only if written `\\` in a Spark literal, and a quote only as `\'`
        (Spark reads `''` as two adjacent literals, losing the quote).
    posix_to_java_regex translates the pattern; spark_regex_literal returns the quoted Spark literal.
    tests/test_spark_regex.py pins both on every pattern the project uses.
-#}
{% macro posix_to_java_regex(pattern) -%}
    {%- set classes = {
        'space': '\\s', 'digit': '\\d', 'alpha': '\\p{Alpha}', 'alnum': '\\p{Alnum}', 'upper': '\\p{Upper}',
        'lower': '\\p{Lower}', 'punct': '\\p{Punct}', 'xdigit': '\\p{XDigit}', 'blank': '\\p{Blank}',
    } -%}
    {%- set text = pattern | replace("''", "'") -%}
    {%- set ns = namespace(out='', in_bracket=false, bracket_start=false, skip=0) -%}
    {%- for i in range(text | length) -%}
        {%- set ch = text[i] -%}
        {%- if ns.skip > 0 -%}
            {%- set ns.skip = ns.skip - 1 -%}
        {%- elif ch == '\\' -%}
            {#- An escape: copied with the character it escapes. -#}
            {%- set ns.out = ns.out ~ text[i:i + 2] -%}
            {%- set ns.skip = 1 -%}
            {%- set ns.bracket_start = false -%}
        {%- elif not ns.in_bracket -%}
            {%- if ch == '[' -%}
                {%- set ns.in_bracket = true -%}
                {%- set ns.bracket_start = true -%}
                {%- if text[i + 1:i + 2] == '^' -%}
                    {%- set ns.out = ns.out ~ '[^' -%}
                    {%- set ns.skip = 1 -%}
                {%- else -%}
                    {%- set ns.out = ns.out ~ '[' -%}
                {%- endif -%}
            {%- else -%}
                {%- set ns.out = ns.out ~ ch -%}
            {%- endif -%}
        {%- else -%}
            {%- set class_end = text.find(':]', i + 2) if text[i:i + 2] == '[:' else -1 -%}
            {%- if class_end > 0 and text[i + 2:class_end] in classes -%}
                {%- set ns.out = ns.out ~ classes[text[i + 2:class_end]] -%}
                {%- set ns.skip = class_end + 1 - i -%}
            {%- elif ch == ']' and ns.bracket_start -%}
                {%- set ns.out = ns.out ~ '\\]' -%}
            {%- elif ch == ']' -%}
                {%- set ns.out = ns.out ~ ']' -%}
                {%- set ns.in_bracket = false -%}
            {%- elif ch == '[' -%}
                {%- set ns.out = ns.out ~ '\\[' -%}
            {%- else -%}
                {%- set ns.out = ns.out ~ ch -%}
            {%- endif -%}
            {%- set ns.bracket_start = false -%}
        {%- endif -%}
    {%- endfor -%}
    {{- ns.out -}}
{%- endmacro %}

{#- The quoted Spark SQL literal whose value is `text`. -#}
{% macro spark_string_literal(text) -%}
    '{{ text | replace("\\", "\\\\") | replace("'", "\\'") }}'
{%- endmacro %}

{% macro spark_regex_literal(pattern) -%}
    {{ spark_string_literal(posix_to_java_regex(pattern)) }}
{%- endmacro %}

{% macro spark__regexp_replace(expression, pattern, replacement) -%}
    regexp_replace({{ expression }}, {{ spark_regex_literal(pattern) }}, {{ spark_string_literal(replacement | replace("''", "'")) }})
{%- endmacro %}

{% macro spark__regexp_like(expression, pattern) -%}
    ({{ expression }} rlike {{ spark_regex_literal(pattern) }})
{%- endmacro %}

{#- dbt_expectations' regexp_instr (expect_column_values_to_match_regex): its default body calls a
    six-argument regexp_instr Spark does not have. > 0 when the value matches, 0 when not (null stays null,
    and the test's row_condition or not-null tests handle nulls, as on Postgres where a miss is 0). -#}
{% macro spark__regexp_instr(source_value, regexp, position, occurrence, is_raw, flags) -%}
    {%- if flags -%}
        {{ exceptions.raise_compiler_error("regexp_instr: flags are not supported on Spark") }}
    {%- endif -%}
    {{ return("regexp_instr(" ~ source_value ~ ", " ~ spark_regex_literal(regexp) ~ ")") }}
{%- endmacro %}
