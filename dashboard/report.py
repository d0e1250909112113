"""District report (Kreisdossier): one A4 PDF page per district for the ministry.

``python -m dashboard.report ARS --out FILE.pdf [--lang de|en] [--db PATH]`` or
``--all --out DIR``. A read-only consumer of the published database: no
Streamlit, no ETL. The map is drawn with matplotlib/geopandas from the
EPSG:25833 geometries, the page is laid out with ReportLab using the DejaVu Sans
fonts that matplotlib ships (embedded as TrueType subsets).
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO
from xml.sax.saxutils import escape

import duckdb
import geopandas as gpd
import matplotlib
import numpy as np
import pandas as pd
import shapely
from matplotlib import patheffects
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import (
    Image,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)
from reportlab.platypus.flowables import KeepTogether

from dashboard import citation, planning, queries, report_queries, texts
from dashboard import funding_queries as fq
from dashboard.classification import Classification, classify
from dashboard.map_style import PALETTES
from dashboard.queries import Filters
from sinn import config
from sinn.db import connect

__all__ = ["ReportContext", "district_facts", "load_context", "main", "write_report"]

LANGS = texts.LANGUAGES
FONT, FONT_BOLD = "DejaVuSans", "DejaVuSans-Bold"
CLASSES = 5  # as the Karte page
OTHER, EDGE, SITE = "#cfcfcf", "#f7f7f7", "#b5123e"
ABROAD = "#e8eef5"  # outside Saxony: no data, and not white like "no initiative"
MAP_W_MM, MAP_H_MM = 182, 90
MONTHS = 12  # event window of the Planung page's default settings


def tr(key: str, lang: str, **values: object) -> str:
    """Report text for ``key`` in ``lang`` (placeholders filled)."""
    return texts.t(f"report.{key}", lang, **values)


def num(value: float | int | None, decimals: int, lang: str) -> str:
    """A number in the language's format; "–" when missing."""
    if value is None or pd.isna(value):
        return "–"
    text = f"{float(value):,.{decimals}f}"
    return text.translate(str.maketrans(",.", ".,")) if lang == "de" else text


def pct(share: float | None, lang: str) -> str:
    """A fraction as a percentage with one decimal."""
    if share is None or pd.isna(share):
        return "–"
    return num(share * 100, 1, lang) + ("\u202f%" if lang == "de" else "%")


def when(day: dt.date | None, lang: str) -> str:
    """A date as 31.12.2025 (German) or 2025-12-31 (English)."""
    if day is None:
        return "–"
    return day.strftime("%d.%m.%Y" if lang == "de" else "%Y-%m-%d")


@dataclass
class ReportContext:
    """What every report of one run shares: Saxony's figures, geometries, points."""

    lang: str
    today: dt.date
    state: dict
    districts: pd.DataFrame
    municipalities: pd.DataFrame  # all 419 with per_100k (public initiatives)
    district_shapes: gpd.GeoDataFrame
    municipality_shapes: gpd.GeoDataFrame
    classes: Classification  # the Karte page's classes of all 419 rates
    initiatives: pd.DataFrame
    events: pd.DataFrame  # counted events: the Planung default window
    reference: dt.date
    settlement: pd.DataFrame  # Saxony's population shares by degurba
    funding: pd.DataFrame | None  # per district; None without funding tables
    state_wide: dict | None
    sources: pd.DataFrame | None
    run: dict | None  # the build's ``etl_runs`` record: citation, data version


def _shapes(con: duckdb.DuckDBPyConnection, level: str) -> gpd.GeoDataFrame:
    """Geometries of one level as a GeoDataFrame in EPSG:25833."""
    frame = report_queries.area_geometries(con, level)
    geometry = shapely.from_wkb(frame.pop("wkb").map(bytes))
    return gpd.GeoDataFrame(frame, geometry=geometry, crs="EPSG:25833")


def load_context(con: duckdb.DuckDBPyConnection, lang: str = "de") -> ReportContext:
    """Read what all district reports share, once."""
    if lang not in LANGS:
        raise ValueError(f"lang must be one of {LANGS}, got {lang!r}")
    public = Filters()
    municipalities = queries.municipality_statistics(con, public)
    reference = queries.latest_event_date(con) or dt.date.today()
    events = queries.planning_points(con, public, "event")
    events = events[planning.event_window(events, reference, MONTHS)]
    loaded = fq.funding_loaded(con)
    empty = fq.FundingFilters()
    return ReportContext(
        lang=lang,
        today=dt.date.today(),
        state=report_queries.import_state(con),
        districts=queries.districts(con).set_index("ars"),
        municipalities=municipalities,
        district_shapes=_shapes(con, "district"),
        municipality_shapes=_shapes(con, "municipality"),
        classes=classify(
            municipalities["per_100k"],
            "quantiles",
            CLASSES,
            palette=PALETTES["per_100k"],
            zero_class=True,
        ),
        initiatives=queries.planning_points(con, public, "initiative"),
        events=events,
        reference=reference,
        settlement=queries.settlement_comparison(con, public),
        funding=fq.funding_by_area(con, empty, "district").set_index("key")
        if loaded
        else None,
        state_wide=fq.funding_state_wide(con, empty) if loaded else None,
        sources=fq.funding_sources(con) if loaded else None,
        run=queries.latest_run(con),
    )


def district_facts(
    con: duckdb.DuckDBPyConnection, ctx: ReportContext, ars: str
) -> dict:
    """Every figure of one district's report, next to Saxony's."""
    if ars not in ctx.districts.index:
        known = ", ".join(ctx.districts.index)
        raise ValueError(f"unknown district ARS {ars!r}; known: {known}")
    scope = Filters(districts=(ars,))
    profile = queries.region_profile(con, Filters(), ars).set_index("metric")
    mun = queries.planning_municipalities(con, scope)
    result = planning.plan(mun, ctx.initiatives, ctx.events, planning.PlanSettings())
    rows = result.municipalities
    far = ~(rows["nearest_km"] <= result.radius_km)  # NaN: no initiative at all
    inside = rows["district_ars"] == ars
    facts = {
        "ars": ars,
        "name": ctx.districts.at[ars, "name"],
        "kind": ctx.districts.at[ars, "kind"],
        "population": int(ctx.districts.at[ars, "population"]),
        "saxony_population": int(ctx.districts["population"].sum()),
        "municipalities": int(inside.sum()),
        "settlement": queries.settlement_comparison(con, scope),
        "profile": profile,
        "unreached": int(rows.loc[far & inside, "population"].sum()),
        "saxony_unreached": int(rows.loc[far, "population"].sum()),
        "radius_km": result.radius_km,
        "k": planning.PlanSettings().k,
        "sites": result.sites,
        "nearest_km": rows.set_index("ags")["nearest_km"],
    }
    if ctx.funding is not None:
        money = ctx.funding
        located = float(money["eligible_eur"].astype(float).sum())
        facts["esf_eur"] = float(money.at[ars, "eligible_eur"])
        facts["esf_per_inhabitant"] = money.at[ars, "eur_per_inhabitant"]
        facts["saxony_esf_eur"] = located
        # TODO(marts): use macro per_inhabitant
        facts["saxony_esf_per_inhabitant"] = located / facts["saxony_population"]
    return facts


# --- map -------------------------------------------------------------------------


def _class_labels(classes: Classification, lang: str) -> list[str]:
    """Legend labels: "0 (keine Initiative)", then "from – to" of each class."""
    labels = []
    for i, (low, high) in enumerate(zip(classes.mins, classes.maxs, strict=True)):
        if i == 0 and classes.bins[0] == 0:
            labels.append(f"0 ({tr('legend.zero', lang)})")
        elif low is None:  # an empty class
            labels.append(f"– {num(classes.bins[i], 1, lang)}")
        else:
            labels.append(f"{num(low, 1, lang)} – {num(high, 1, lang)}")
    return labels


def _extent(
    bounds: np.ndarray, ratio: float, pad: float = 0.06
) -> tuple[tuple[float, float], tuple[float, float]]:
    """x and y limits around ``bounds`` widened to the axes' width/height ratio."""
    xmin, ymin, xmax, ymax = bounds
    half_w = (xmax - xmin) / 2 * (1 + 2 * pad)
    half_h = (ymax - ymin) / 2 * (1 + 2 * pad)
    half_w, half_h = max(half_w, half_h * ratio), max(half_h, half_w / ratio)
    cx, cy = (xmin + xmax) / 2, (ymin + ymax) / 2
    return (cx - half_w, cx + half_w), (cy - half_h, cy + half_h)


def render_map(ctx: ReportContext, facts: dict) -> bytes:
    """PNG of the district: municipalities shaded by rate, far ones hatched, sites."""
    lang, ars, r = ctx.lang, facts["ars"], facts["radius_km"]
    shapes = ctx.municipality_shapes
    own = shapes[shapes["district_ars"] == ars].merge(
        ctx.municipalities[["ags", "per_100k"]], left_on="key", right_on="ags"
    )
    own["colour"] = [ctx.classes.colour(v) for v in own["per_100k"]]
    own["far"] = ~(own["key"].map(facts["nearest_km"]) <= r)
    # the object API without pyplot: no global figure registry, no GUI backend
    fig = Figure(figsize=(MAP_W_MM / 25.4, MAP_H_MM / 25.4), dpi=200)
    ax = fig.add_axes((0.0, 0.0, 0.64, 1.0))
    # no axes, but a tinted background for what lies outside Saxony
    ax.set_xticks([])
    ax.set_yticks([])
    ax.spines[:].set_visible(False)
    ax.set_facecolor(ABROAD)
    ctx.district_shapes.plot(ax=ax, color=OTHER, edgecolor=EDGE, linewidth=0.8)
    own.plot(ax=ax, color=own["colour"], edgecolor="#8c8c8c", linewidth=0.3)
    if own["far"].any():
        own[own["far"]].plot(
            ax=ax, facecolor="none", edgecolor="#555555", hatch="////", linewidth=0
        )
    district = ctx.district_shapes[ctx.district_shapes["key"] == ars]
    district.boundary.plot(ax=ax, color="#1f1f1f", linewidth=1.2)
    ax.set_xlim(*_extent(district.total_bounds, 0.64 * MAP_W_MM / MAP_H_MM)[0])
    ax.set_ylim(*_extent(district.total_bounds, 0.64 * MAP_W_MM / MAP_H_MM)[1])
    ax.set_aspect("equal")
    halo = [patheffects.withStroke(linewidth=2.5, foreground="white")]
    for site in facts["sites"].itertuples():
        ax.plot(
            site.centroid_x,
            site.centroid_y,
            "o",
            ms=11,
            color=SITE,
            mec="white",
            mew=1.2,
            zorder=5,
        )
        ax.text(
            site.centroid_x,
            site.centroid_y,
            str(site.rank),
            color="white",
            fontsize=7,
            fontweight="bold",
            ha="center",
            va="center_baseline",
            zorder=6,
        )
        ax.annotate(
            site.municipality,
            (site.centroid_x, site.centroid_y),
            xytext=(7, 5),
            textcoords="offset points",
            fontsize=6.5,
            path_effects=halo,
            zorder=6,
        )
    handles = [
        Patch(facecolor=colour, edgecolor="#8c8c8c", label=label)
        for colour, label in zip(
            ctx.classes.colours, _class_labels(ctx.classes, lang), strict=True
        )
    ]
    handles += [
        Patch(
            facecolor="white",
            edgecolor="#555555",
            hatch="////",
            label=tr("legend.far", lang, r=num(r, 0, lang)),
        ),
        Line2D(
            [],
            [],
            marker="o",
            ls="",
            ms=9,
            color=SITE,
            mec="white",
            label=tr("legend.site", lang),
        ),
        Patch(facecolor=OTHER, edgecolor="#bbbbbb", label=tr("legend.other", lang)),
        Patch(facecolor=ABROAD, edgecolor="#bbbbbb", label=tr("legend.abroad", lang)),
    ]
    legend = fig.legend(
        handles=handles,
        loc="upper left",
        bbox_to_anchor=(0.65, 0.97),
        title=tr("legend.title", lang),
        fontsize=7,
        title_fontsize=7.5,
        frameon=False,
        alignment="left",
        handlelength=1.8,
        handleheight=1.1,
    )
    legend.get_title().set_fontweight("bold")
    fig.text(
        0.65,
        0.03,
        tr("legend.classes", lang) + "\n" + "© GeoBasis-DE / BKG 2021"
        " (Daten verändert)",
        fontsize=5.5,
        color="#555555",
        va="bottom",
    )
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=200)
    return buffer.getvalue()


# --- page ------------------------------------------------------------------------


def _fonts() -> None:
    """Register the DejaVu Sans TrueType fonts shipped with matplotlib (embedded)."""
    if FONT in pdfmetrics.getRegisteredFontNames():
        return
    folder = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    pdfmetrics.registerFont(TTFont(FONT, str(folder / "DejaVuSans.ttf")))
    pdfmetrics.registerFont(TTFont(FONT_BOLD, str(folder / "DejaVuSans-Bold.ttf")))


def _styles() -> dict[str, ParagraphStyle]:
    """Paragraph styles of the page."""
    _fonts()
    base = ParagraphStyle(
        "base", fontName=FONT, bulletFontName=FONT, fontSize=8.5, leading=11
    )
    return {
        "base": base,
        "title": replace_style(base, fontName=FONT_BOLD, fontSize=17, leading=21),
        "sub": replace_style(base, textColor=colors.HexColor("#444444")),
        "h": replace_style(
            base,
            fontName=FONT_BOLD,
            fontSize=10,
            leading=13,
            spaceBefore=5,
            spaceAfter=2,
        ),
        "small": replace_style(
            base, fontSize=7, leading=8.8, textColor=colors.HexColor("#333333")
        ),
        "cell": replace_style(base, fontSize=8, leading=10),
        "demo": replace_style(
            base,
            fontName=FONT_BOLD,
            fontSize=8,
            leading=10,
            textColor=colors.HexColor("#7a4b00"),
        ),
    }


def replace_style(style: ParagraphStyle, **changes: object) -> ParagraphStyle:
    """A copy of ``style`` with some attributes changed."""
    return ParagraphStyle(f"{style.name}-{len(changes)}", parent=style, **changes)


def _settlement_text(frame: pd.DataFrame, lang: str) -> str:
    """Population shares urban / intermediate / rural as "12,0 / 30,1 / 57,9 %"."""
    shares = dict(zip(frame["degurba"], frame["population_share"], strict=True))
    values = [num(shares.get(code, 0.0) * 100, 1, lang) for code in (1, 2, 3)]
    return " / ".join(values) + ("\u202f%" if lang == "de" else "%")


def figure_rows(ctx: ReportContext, facts: dict) -> list[tuple[str, str, str]]:
    """(metric, district, Saxony) rows of the key figure table, formatted."""
    lang, p = ctx.lang, facts["profile"]
    r = num(facts["radius_km"], 0, lang)

    def pair(metric: str, decimals: int) -> tuple[str, str]:
        return (
            num(p.at[metric, "region"], decimals, lang),
            num(p.at[metric, "saxony"], decimals, lang),
        )

    share = facts["unreached"] / facts["population"]
    saxony_share = facts["saxony_unreached"] / facts["saxony_population"]
    rows = [
        (
            tr("m.settlement", lang),
            _settlement_text(facts["settlement"], lang),
            _settlement_text(ctx.settlement, lang),
        ),
        (tr("m.initiatives", lang), *pair("initiatives", 0)),
        (tr("m.per_100k", lang), *pair("per_100k", 2)),
        (tr("m.lq", lang), *pair("lq", 2)),
        (tr("m.events", lang), *pair("events", 0)),
        (tr("m.participants", lang), *pair("participants", 0)),
    ]
    if "esf_eur" in facts:
        rows += [
            (
                tr("m.esf_eur", lang),
                num(facts["esf_eur"], 0, lang),
                num(facts["saxony_esf_eur"], 0, lang),
            ),
            (
                tr("m.esf_per_inhabitant", lang),
                num(facts["esf_per_inhabitant"], 2, lang),
                num(facts["saxony_esf_per_inhabitant"], 2, lang),
            ),
        ]
    rows.append(
        (
            tr("m.unreached", lang, r=r),
            f"{num(facts['unreached'], 0, lang)} ({pct(share, lang)})",
            f"{num(facts['saxony_unreached'], 0, lang)} ({pct(saxony_share, lang)})",
        )
    )
    return rows


def _relation(value: float | None, reference: float | None, lang: str) -> str:
    """ "über" / "unter" / "gleichauf mit" comparing a value with Saxony's."""
    if value is None or reference is None or pd.isna(value):
        return tr("rel.equal", lang)
    if round(value, 2) > round(reference, 2):
        return tr("rel.above", lang)
    if round(value, 2) < round(reference, 2):
        return tr("rel.below", lang)
    return tr("rel.equal", lang)


def summary_text(ctx: ReportContext, facts: dict) -> str:
    """The generated paragraph: initiatives, events, money, reach, first site."""
    lang, p, name = ctx.lang, facts["profile"], facts["name"]
    r = num(facts["radius_km"], 0, lang)
    n = p.at["initiatives", "region"]
    parts = []
    if n:
        key = "text.initiative" if n == 1 else "text.initiatives"
        rate, saxony = p.at["per_100k", "region"], p.at["per_100k", "saxony"]
        parts.append(
            tr(
                key,
                lang,
                name=name,
                n=num(n, 0, lang),
                rate=num(rate, 2, lang),
                saxony=num(saxony, 2, lang),
                relation=_relation(rate, saxony, lang),
                lq=num(p.at["lq", "region"], 2, lang),
            )
        )
    else:
        parts.append(tr("text.none", lang, name=name))
    if p.at["events", "region"]:
        parts.append(
            tr(
                "text.events",
                lang,
                events=num(p.at["events", "region"], 0, lang),
                participants=num(p.at["participants", "region"], 0, lang),
            )
        )
    if "esf_eur" in facts:
        eur, saxony = facts["esf_per_inhabitant"], facts["saxony_esf_per_inhabitant"]
        parts.append(
            tr(
                "text.esf",
                lang,
                eur=num(eur, 2, lang),
                saxony=num(saxony, 2, lang),
                relation=_relation(eur, saxony, lang),
            )
        )
    else:
        parts.append(tr("text.esf_missing", lang))
    parts.append(
        tr(
            "text.unreached",
            lang,
            pop=num(facts["unreached"], 0, lang),
            share=pct(facts["unreached"] / facts["population"], lang),
            r=r,
            saxony=pct(facts["saxony_unreached"] / facts["saxony_population"], lang),
        )
    )
    if not facts["sites"].empty:
        first = facts["sites"].iloc[0]
        parts.append(
            tr(
                "text.site",
                lang,
                site=first["municipality"],
                new=num(first["new_population"], 0, lang),
            )
        )
    return " ".join(parts)


def source_lines(ctx: ReportContext) -> list[str]:
    """The sources with their dates, the map attribution, citation and version."""
    lang, state = ctx.lang, ctx.state
    demo = tr("src.sinn_demo", lang) if state["demo"] else ""
    lines = [
        tr("src.sinn", lang, date=when(state["built"], lang), demo=demo),
        tr("src.population", lang),
        tr("src.settlement", lang),
        tr("src.boundaries", lang, file=state["boundary_file"] or "–"),
    ]
    if ctx.sources is not None:
        esf = "; ".join(ctx.sources["citation"])
        lines.append(
            tr(
                "src.esf",
                lang,
                citation=esf,
                n=num(ctx.state_wide["operations"], 0, lang),
                eur=num(ctx.state_wide["eligible_eur"], 0, lang),
            )
        )
    lines.append(tr("src.attribution", lang))
    cite = citation.citation(ctx.run, lang)
    lines.append(f"{texts.t('cite.name', lang)}: {cite}")
    version = citation.data_version(ctx.run, lang)
    lines.append(f"{texts.t('cite.version_name', lang)}: {version}")
    return lines


def _figure_table(
    rows: list[tuple[str, str, str]], name: str, lang: str, styles: dict
) -> Table:
    """The key figure table: metric, district, Saxony."""
    head = [tr("col.metric", lang), name, tr("col.saxony", lang)]
    data = [[Paragraph(escape(c), styles["cell"]) for c in head]]
    data += [[Paragraph(escape(m), styles["cell"]), d, s] for m, d, s in rows]
    table = Table(data, colWidths=(92 * mm, 45 * mm, 45 * mm))
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), FONT, 8),
                ("FONT", (0, 0), (-1, 0), FONT_BOLD, 8),
                ("ALIGN", (1, 0), (-1, -1), "RIGHT"),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("LINEBELOW", (0, 0), (-1, 0), 0.6, colors.HexColor("#1f1f1f")),
                (
                    "ROWBACKGROUNDS",
                    (0, 1),
                    (-1, -1),
                    [colors.white, colors.HexColor("#f3f5f7")],
                ),
                ("TOPPADDING", (0, 0), (-1, -1), 1.5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
            ]
        )
    )
    return table


def _sites_table(facts: dict, lang: str, styles: dict) -> Table | Paragraph:
    """The ranked recommended sites with newly reached population."""
    sites = facts["sites"]
    r = num(facts["radius_km"], 0, lang)
    if sites.empty:
        return Paragraph(escape(tr("site.none", lang, r=r)), styles["cell"])
    head = [
        tr(k, lang)
        for k in ("site.rank", "site.municipality", "site.settlement", "site.new")
    ]
    data = [head] + [
        [
            str(s.rank),
            Paragraph(escape(s.municipality), styles["cell"]),
            tr(f"degurba.{int(s.degurba)}", lang),
            num(s.new_population, 0, lang),
        ]
        for s in sites.itertuples()
    ]
    table = Table(data, colWidths=(14 * mm, 88 * mm, 35 * mm, 45 * mm))
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), FONT, 8),
                ("FONT", (0, 0), (-1, 0), FONT_BOLD, 8),
                ("ALIGN", (-1, 0), (-1, -1), "RIGHT"),
                ("LINEBELOW", (0, 0), (-1, 0), 0.6, colors.HexColor("#1f1f1f")),
                ("TOPPADDING", (0, 0), (-1, -1), 1),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
            ]
        )
    )
    return table


def build_pdf(
    ctx: ReportContext, facts: dict, map_png: bytes, out: Path | BinaryIO
) -> None:
    """Lay out the page(s) and write the PDF to ``out`` (a path or a binary file)."""
    _fonts()
    lang, styles = ctx.lang, _styles()
    name = facts["name"]
    kind = tr(f"kind.{facts['kind']}", lang)
    title = f"{tr('title', lang)} {name}"
    story: list = [
        Paragraph(escape(title), styles["title"]),
        Paragraph(
            escape(
                tr(
                    "subtitle",
                    lang,
                    kind=kind,
                    population=num(facts["population"], 0, lang),
                    municipalities=num(facts["municipalities"], 0, lang),
                    date=when(ctx.today, lang),
                )
            ),
            styles["sub"],
        ),
        Spacer(1, 3 * mm),
    ]
    if ctx.state["demo"]:
        notice = Table(
            [[Paragraph(escape(tr("demo", lang)), styles["demo"])]],
            colWidths=(182 * mm,),
        )
        notice.setStyle(
            TableStyle(
                [
                    ("FONT", (0, 0), (-1, -1), FONT, 8),
                    ("BACKGROUND", (0, 0), (-1, -1), colors.HexColor("#fff4d6")),
                    ("BOX", (0, 0), (-1, -1), 0.6, colors.HexColor("#e0a800")),
                ]
            )
        )
        story += [notice, Spacer(1, 1 * mm)]
    story += [
        Paragraph(escape(tr("h.figures", lang)), styles["h"]),
        _figure_table(figure_rows(ctx, facts), name, lang, styles),
        Paragraph(escape(tr("h.map", lang)), styles["h"]),
        Image(io.BytesIO(map_png), width=MAP_W_MM * mm, height=MAP_H_MM * mm),
        KeepTogether(
            [
                Paragraph(escape(tr("h.sites", lang)), styles["h"]),
                _sites_table(facts, lang, styles),
                Paragraph(
                    escape(
                        tr(
                            "site.rule",
                            lang,
                            r=num(facts["radius_km"], 0, lang),
                            k=facts["k"],
                            months=MONTHS,
                            date=when(ctx.reference, lang),
                        )
                    ),
                    styles["small"],
                ),
            ]
        ),
        KeepTogether(
            [
                Paragraph(escape(tr("h.text", lang)), styles["h"]),
                Paragraph(escape(summary_text(ctx, facts)), styles["base"]),
            ]
        ),
        KeepTogether(
            [
                Paragraph(escape(tr("h.sources", lang)), styles["h"]),
                *[
                    Paragraph("• " + escape(line), styles["small"])
                    for line in source_lines(ctx)
                ],
            ]
        ),
    ]
    footer = tr("footer", lang, name=name, date=when(ctx.today, lang))

    def decorate(canvas, doc) -> None:
        canvas.saveState()
        canvas.setFont(FONT, 7)
        canvas.setFillColor(colors.HexColor("#666666"))
        canvas.drawString(14 * mm, 8 * mm, footer)
        canvas.drawRightString(A4[0] - 14 * mm, 8 * mm, str(doc.page))
        canvas.restoreState()

    doc = SimpleDocTemplate(
        str(out) if isinstance(out, Path) else out,
        pagesize=A4,
        leftMargin=14 * mm,
        rightMargin=14 * mm,
        topMargin=11 * mm,
        bottomMargin=13 * mm,
        title=title,
        author="SINN-Atlas",
        initialFontName=FONT,
        lang=lang,
    )
    doc.build(story, onFirstPage=decorate, onLaterPages=decorate)


def _render(
    con: duckdb.DuckDBPyConnection, ctx: ReportContext, ars: str, out: Path | BinaryIO
) -> None:
    """Gather the district's figures, draw its map and write its PDF to ``out``."""
    facts = district_facts(con, ctx, ars)
    build_pdf(ctx, facts, render_map(ctx, facts), out)


def write_report(
    con: duckdb.DuckDBPyConnection,
    ars: str,
    out: Path,
    lang: str = "de",
    ctx: ReportContext | None = None,
) -> Path:
    """Write the report of district ``ars`` to ``out`` (a PDF file)."""
    ctx = ctx or load_context(con, lang)
    out.parent.mkdir(parents=True, exist_ok=True)
    _render(con, ctx, ars, out)
    return out


def report_bytes(con: duckdb.DuckDBPyConnection, ars: str, lang: str = "de") -> bytes:
    """The PDF of one district as bytes (for a download button)."""
    buffer = io.BytesIO()
    _render(con, load_context(con, lang), ars, buffer)
    return buffer.getvalue()


def file_name(ars: str) -> str:
    """File name of a district's report."""
    return f"kreisdossier_{ars}.pdf"


def main(argv: list[str] | None = None) -> int:
    """Command line: one district or ``--all``."""
    parser = argparse.ArgumentParser(
        prog="python -m dashboard.report", description=__doc__.splitlines()[0]
    )
    parser.add_argument("ars", nargs="?", help="5-digit district key, e.g. 14612")
    parser.add_argument("--all", action="store_true", help="all 13 districts")
    parser.add_argument(
        "--out", type=Path, required=True, help="PDF file, or folder with --all"
    )
    parser.add_argument("--lang", choices=LANGS, default="de")
    parser.add_argument(
        "--db", type=Path, default=None, help="published database (default: SINN_DB)"
    )
    args = parser.parse_args(argv)
    if bool(args.ars) == args.all:
        parser.error("give either one ARS or --all")
    db = args.db or config.db_path()
    if not db.exists():
        parser.error(f"database {db} not found; build it with python -m etl build")
    with connect(db, read_only=True) as con:
        ctx = load_context(con, args.lang)
        if args.all:
            for ars in ctx.districts.index:
                path = write_report(con, ars, args.out / file_name(ars), ctx=ctx)
                print(path)
            return 0
        try:
            print(write_report(con, args.ars, args.out, ctx=ctx))
        except ValueError as error:
            parser.error(str(error))
    return 0


if __name__ == "__main__":
    sys.exit(main())
