"""Section: attribution (seed 001): pipeline share by channel under every model."""

from __future__ import annotations

from typing import Any

from gtm.outputs.report.charts import Chart, Seg
from gtm.outputs.report.marts import Marts
from gtm.outputs.report.page import Figure, Section, Table, WarehouseStatus
from gtm.outputs.report.sections.common import _swatch
from gtm.outputs.report.style import attribution_color, fmt_money, fmt_pct, num
from gtm.transform.project import attribution_models


def load_attribution(m: Marts) -> dict[str, list[dict[str, Any]]]:
    models = ", ".join(f"{model}_pipeline_share" for model in attribution_models())
    return {
        "by_channel": m.mart_rows(
            "select attribution_model, channel, attributed_pipeline_amount, pipeline_share, won_share "
            "from {t} order by attribution_model, pipeline_rank, channel",
            "rpt_attribution_by_channel",
        ),
        "comparison": m.mart_rows(
            f"select channel, channel_group, linear_pipeline_amount, {models}, pipeline_share_spread "
            "from {t} order by linear_pipeline_share desc, channel",
            "rpt_attribution_model_comparison",
        ),
    }


def build_attribution(data: dict[str, list[dict[str, Any]]], status: WarehouseStatus) -> Section:
    comparison = data["comparison"]
    order = [r["channel"] for r in comparison]
    by_model: dict[str, dict[str, dict[str, Any]]] = {}
    for r in data["by_channel"]:
        by_model.setdefault(r["attribution_model"], {})[r["channel"]] = r
    models = [m for m in attribution_models() if m in by_model] + sorted(
        m for m in by_model if m not in attribution_models()
    )
    first_model = models[0]
    top = max(by_model[first_model].values(), key=lambda r: num(r["pipeline_share"]) or 0)
    widest = max(comparison, key=lambda r: num(r["pipeline_share_spread"]) or 0)
    headline: list[str | Figure] = [
        f"Under {attribution_models().get(first_model, first_model).lower()} attribution {top['channel']} "
        "sources the most pipeline (",
        Figure(fmt_pct(top["pipeline_share"]), f"top_share.{first_model}", top["pipeline_share"]),
        f"); the choice of model moves {widest['channel']} most, by ",
        Figure(
            f"{(num(widest['pipeline_share_spread']) or 0) * 100:.1f} pts",
            "widest_spread",
            widest["pipeline_share_spread"],
        ),
        " of pipeline share.",
    ]
    chart = Chart("Share of pipeline by channel under each attribution model")
    chart.legend((c, attribution_color(c)) for c in order)
    chart.stacked_hbars(
        [
            (
                attribution_models().get(m, m),
                [
                    Seg(
                        c,
                        num((by_model[m].get(c) or {}).get("pipeline_share")),
                        attribution_color(c),
                        fmt_money((by_model[m].get(c) or {}).get("attributed_pipeline_amount"), compact=True),
                    )
                    for c in order
                ],
            )
            for m in models
        ],
        fmt_pct,
        normalize=True,
        label_width=110,
        row_height=34,
    )
    table = Table(
        "Pipeline share by channel and model",
        [
            "Channel",
            "Group",
            *(attribution_models()[m] for m in attribution_models()),
            "Spread",
            "Pipeline (linear)",
        ],
        [
            [
                _swatch(r["channel"], attribution_color(r["channel"])),
                r["channel_group"],
                *(fmt_pct(r[f"{m}_pipeline_share"]) for m in attribution_models()),
                f"{(num(r['pipeline_share_spread']) or 0) * 100:.1f} pts",
                fmt_money(r["linear_pipeline_amount"]),
            ]
            for r in comparison
        ],
        numeric_from=2,
    )
    return Section(
        "attribution",
        "Attribution by model and channel",
        headline,
        ("rpt_attribution_by_channel", "rpt_attribution_model_comparison"),
        chart,
        [table],
        [
            "Each model's shares add up to all pipeline; Unattributed is pipeline without a touchpoint in "
            "the attribution window. Spread = highest minus lowest share across the six models."
        ],
    )
