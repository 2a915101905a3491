"""The POSIX-to-Java regex translation of the spark target (dbt/macros/spark/regex.sql), on every pattern the
project passes to regexp_replace / regexp_like / expect_column_values_to_match_regex.

The macros are rendered with plain Jinja (they use no dbt context), and the translated patterns are run with
Python's `re`, which reads these constructs (`\\s`, escaped brackets, `\\.`) as Java does; the slow Spark test
(tests/test_spark.py) runs the same patterns through real Spark against Postgres.
"""

from __future__ import annotations

import re

import jinja2
import pytest

from gtm.settings import DBT_PROJECT_DIR


class _MacroReturn(Exception):
    def __init__(self, value):
        super().__init__()
        self.value = value


def _raise_return(value):
    raise _MacroReturn(value)


@pytest.fixture(scope="module")
def macros():
    env = jinja2.Environment(extensions=["jinja2.ext.do"], autoescape=False)  # noqa: S701 - SQL, not HTML
    env.globals["return"] = _raise_return
    source = (DBT_PROJECT_DIR / "macros" / "spark" / "regex.sql").read_text()
    module = env.from_string(source).module

    def call(name, *args):
        try:
            return str(getattr(module, name)(*args)).strip()
        except _MacroReturn as returned:
            return returned.value

    return call


TIMESTAMP_PATTERN = (
    "^[0-9]{4}-[0-9]{2}-[0-9]{2}"
    "([ T][0-9]{2}:[0-9]{2}(:[0-9]{2}([.][0-9]+)?)?)?(Z|[+-][0-9]{2}(:?[0-9]{2})?)?$"
)
# (pattern as the project writes it: the body of a Postgres string literal, Java pattern expected)
PROJECT_PATTERNS = [
    # canonical_value: POSIX class inside a bracket; Java would read [[:space:]] as the letters ":space".
    ("[_[:space:]]+", r"[_\s]+"),
    ("[^0-9,.-]", "[^0-9,.-]"),
    (
        "^-?[A-Za-z]{0,3}[$]?[[:space:]]?-?[0-9][0-9 .,]*$",
        r"^-?[A-Za-z]{0,3}[$]?[\s]?-?[0-9][0-9 .,]*$",
    ),
    ("^-?[0-9]+([.][0-9]+)?$", "^-?[0-9]+([.][0-9]+)?$"),
    (TIMESTAMP_PATTERN, TIMESTAMP_PATTERN),
    # normalise_list: ']' first in a bracket is a literal in POSIX and an error in Java; '[' inside one is
    # a nested class in Java; the doubled quote is SQL escaping.
    ("[][ ''\"]", "[\\]\\[ '\"]"),
    # email_pattern(): the escaped dot must survive.
    (r"^[a-z0-9._%+-]+@[a-z0-9.-]+\.[a-z]{2,}$", r"^[a-z0-9._%+-]+@[a-z0-9.-]+\.[a-z]{2,}$"),
]


@pytest.mark.parametrize(("posix", "java"), PROJECT_PATTERNS)
def test_translation_of_every_project_pattern(macros, posix, java):
    assert macros("posix_to_java_regex", posix) == java


def test_spark_literals_escape_backslashes_and_quotes(macros):
    # Spark unescapes string literals: '\.' would reach Java as '.', and '' would end the literal.
    assert macros("spark_regex_literal", r"^a\.b$") == r"'^a\\.b$'"
    assert macros("spark_regex_literal", "[][ ''\"]") == "'[\\\\]\\\\[ \\'\"]'"


@pytest.mark.parametrize(
    ("posix", "text", "postgres_answer"),
    [
        # What Postgres answers (hand-checked with `select text ~ pattern` / regexp_replace(..., 'g')).
        ("[_[:space:]]+", "closed_won \t lost", "closed won lost"),
        ("[_[:space:]]+", "space", "space"),  # Java's misreading would have eaten these letters
        ("[][ ''\"]", "['call', \"email\"]", "call,email"),
        (r"^[a-z0-9._%+-]+@[a-z0-9.-]+\.[a-z]{2,}$", "ann@example.com", True),
        (r"^[a-z0-9._%+-]+@[a-z0-9.-]+\.[a-z]{2,}$", "ann@examplexcom", False),
        ("^-?[A-Za-z]{0,3}[$]?[[:space:]]?-?[0-9][0-9 .,]*$", "US$ 55 779,40", True),
        ("^-?[A-Za-z]{0,3}[$]?[[:space:]]?-?[0-9][0-9 .,]*$", "about 5k", False),
    ],
)
def test_translated_patterns_answer_as_postgres(macros, posix, text, postgres_answer):
    java = macros("posix_to_java_regex", posix)
    if isinstance(postgres_answer, bool):
        assert (re.search(java, text) is not None) is postgres_answer
    else:
        replacement = " " if "space" in posix else ""
        assert re.sub(java, replacement, text) == postgres_answer
