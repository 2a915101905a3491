"""The whole page: the masthead, every section, the colophon."""

from __future__ import annotations

from gtm.outputs.report.page import CSS, ReportData, Section, section_html
from gtm.outputs.report.sections import BUILDERS, SECTION_IDS
from gtm.outputs.report.style import e, fmt_day, fmt_utc


def render_sections(data: ReportData) -> list[Section]:
    return [BUILDERS[key](data.sections[key], data.status) for key in SECTION_IDS if key in data.sections]


def render_html(data: ReportData) -> str:
    status = data.status
    sections = render_sections(data)
    facts = [
        ("As of", fmt_day(status.as_of_date)),
        ("Data", status.scale_label),
        ("History from", fmt_day(status.history_start_date)),
        ("Last load", fmt_utc(status.last_loaded_at)),
        ("Marts built", fmt_utc(status.built_at)),
        ("Report generated", fmt_utc(data.generated_at)),
    ]
    status_html = "".join(f"<div><dt>{e(k)}</dt><dd>{e(v)}</dd></div>" for k, v in facts)
    nav = "".join(f'<a href="#{e(s.id)}">{e(s.title)}</a>' for s in sections)
    body = "\n".join(section_html(s, status, data.schema) for s in sections)
    title = f"GTM brief · as of {fmt_day(status.as_of_date)}"
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="gtm report">
<title>{e(title)}</title>
<style>{CSS}</style>
</head>
<body>
<div class="page">
<header class="masthead">
<h1>GTM brief</h1>
<p class="lede">Channel economics, the funnel and its leaks, pipeline health, attribution, revenue and
reliability: one page, read from the warehouse marts.</p>
<dl class="status">{status_html}</dl>
<nav class="toc" aria-label="Sections">{nav}</nav>
</header>
<main>
{body}
</main>
<footer class="colophon">Read as bi_reader from schema {e(data.schema)}. Every figure comes from the marts
named under its section; open this file anywhere, it needs no network.</footer>
</div>
</body>
</html>
"""
