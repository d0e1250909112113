"""Escaping, injection and privacy without a browser.

Every place user text goes into HTML is checked by parsing the HTML it produces;
every query function runs with SQL-like filter values; every page runs with
SQL-like URL parameters; every page, download and the static export are
scanned for contact data and non-public rows of the hostile database.
"""

from __future__ import annotations

import inspect
import io
import re
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.testing.v1 import AppTest

from dashboard import exports
from dashboard import queries as q
from dashboard.assets import GEO_DIR
from dashboard.choropleth import build_map
from dashboard.classification import classify
from dashboard.export_map import export_map, public_map_data
from dashboard.filters import shown_value
from dashboard.legends import AreaMarks, legend_html, marker_legend_html, swatch
from dashboard.map_style import MapOptions
from dashboard.markup import safe_url
from dashboard.popups import event_popup, initiative_popup
from dashboard.queries import Filters
from sinn.db import connect
from tests.security_data import (
    CONTACT,
    FORMULAS,
    IMG,
    INJECTION,
    JS_URL,
    MARKUP,
    PRIVATE_AGS,
    PRIVATE_EVENT,
    PRIVATE_INITIATIVE,
    SCRIPT,
    SECRETS,
    SVG,
)

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "dashboard" / "streamlit_app.py")
PUBLIC_CONTACT_ROW = "Zz-Kontakt-Oeffentlich"
TABLES = (
    "initiatives",
    "events",
    "rejects",
    "etl_runs",
    "municipalities",
    "districts",
    "municipality_stats",
    "district_stats",
)
#: Page scripts as AppTest opens them; Planung once it exists.
PAGES = ["karte", "regionen", "daten", "methodik", "foerderung"] + (
    ["planung"] if (ROOT / "dashboard" / "app_pages" / "planung.py").exists() else []
)
SPREADSHEET_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")


# --- HTML sinks ---------------------------------------------------------------------


class Parsed(HTMLParser):
    """Tags, attributes and text of an HTML fragment, as a browser would see them."""

    def __init__(self, fragment: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.text = ""
        self.feed(fragment)
        self.close()

    def handle_starttag(self, tag: str, attrs: list) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text += data


def assert_plain(fragment: str, allowed: set[str], literal: tuple[str, ...]) -> Parsed:
    """Only ``allowed`` tags, no handlers, safe links; ``literal`` shown as text."""
    parsed = Parsed(fragment)
    assert {tag for tag, _ in parsed.tags} <= allowed, parsed.tags
    for _tag, attrs in parsed.tags:
        assert not [a for a in attrs if a.startswith("on")], attrs
        if "href" in attrs:
            assert safe_url(attrs["href"]) == attrs["href"], attrs
    for text in literal:
        assert text in parsed.text, text
    return parsed


HOSTILE_ROW = {
    "name": SCRIPT,
    "organisation": IMG,
    "theme": SVG,
    "stage": SCRIPT,
    "start_year": 2024,
    "city": SVG,
    "description": f"{SCRIPT} {IMG}",
    "location_precision": "municipality",
    "url": JS_URL,
    "type": IMG,
    "date": pd.Timestamp("2024-05-01"),
    "participants": 12,
}
POPUP_TAGS = {"div", "strong", "br", "em", "p"}


@pytest.mark.parametrize("lang", ["de", "en"])
def test_popups_show_markup_as_text(lang: str) -> None:
    """Every field of both popups reaches the browser as text, the link dropped."""
    for make in (initiative_popup, event_popup):
        assert_plain(make(HOSTILE_ROW, lang), POPUP_TAGS, MARKUP)


@pytest.mark.parametrize(
    "url",
    [
        JS_URL,
        " javascript:alert(1)",
        "data:text/html,<b>",
        "vbscript:x",
        'https://example.org/"><script>',
        "https://example.org/'onclick='x",
    ],
)
def test_popup_links_only_plain_http(url: str) -> None:
    """A link appears only for a clean http(s) URL, with rel=noopener."""
    bad = Parsed(initiative_popup({**HOSTILE_ROW, "url": url}, "de"))
    assert "a" not in dict(bad.tags)
    good = Parsed(event_popup({"name": "x", "url": "https://a.example/"}, "de"))
    link = dict(good.tags)["a"]
    assert link["href"] == "https://a.example/"
    assert link["rel"] == "noopener noreferrer"


def test_legends_escape_text() -> None:
    """Legend texts are escaped; a colour must be a hex colour to reach a style."""
    legend = marker_legend_html([SCRIPT, "Bildung"], True, "de")
    assert_plain(legend, {"details", "summary", "div", "span"}, (SCRIPT,))
    with pytest.raises(ValueError, match="not a colour"):
        swatch('red"><script>alert(1)</script>', "x")
    cls = classify([0, 1, 2, 3, 4, 5])
    legend = legend_html(cls, MapOptions(), "district", AreaMarks(outside=1, few=1))
    assert_plain(legend, {"details", "summary", "div", "span"}, ())


def test_map_html_holds_no_raw_markup(hostile_db: Path) -> None:
    """The full map, notice included, carries the hostile rows only escaped."""
    with connect(hostile_db, read_only=True) as con:
        md = public_map_data(con)
    assert SCRIPT in set(md.initiatives["name"])
    html = build_map(md, MapOptions(notice=SCRIPT, assets=None)).get_root().render()
    for text in (*MARKUP, JS_URL):
        assert text not in html, text
    # tojson writes '&' as \u0026: the popup holds "&lt;script&gt;..."
    assert "\\u0026lt;script\\u0026gt;alert(1)" in html


def test_no_raw_html_sinks_in_pages() -> None:
    """No page renders raw HTML itself; the folium map is the only HTML sink."""
    sinks = re.compile(
        r"unsafe_allow_html\s*=\s*True|st\.html\(|components\.v1|\.html\("
    )
    found = [
        f"{path.relative_to(ROOT)}:{n}"
        for path in sorted((ROOT / "dashboard").rglob("*.py"))
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if sinks.search(line)
    ]
    # the project's stylesheets (a file, never text) and the folium map's own
    # component (its frontend shows the rendered map)
    assert [sink.partition(":")[0] for sink in found] == [
        "dashboard/components.py",
        "dashboard/map_component.py",
    ]
    style = found[0].partition(":")[2]
    line = (ROOT / "dashboard/components.py").read_text().splitlines()[int(style) - 1]
    assert line.strip() == 'st.html(STYLES_DIR / f"{name}.css")'


def test_notice_values_cannot_leave_the_code_span() -> None:
    """URL values in notices lose line breaks and backticks and stay short."""
    value = "x\n\n[klick](javascript:alert(1))`\u2028" + "y" * 200
    shown = shown_value(value)
    assert "\n" not in shown and "`" not in shown and "\u2028" not in shown
    assert len(shown) == 80 and shown.startswith("x  [klick]")


# --- SQL injection ------------------------------------------------------------------

HOSTILE_TEXT = (INJECTION, "' OR '1'='1", "x') OR TRUE --")
HOSTILE_FILTERS = Filters(
    themes=HOSTILE_TEXT,
    partners=HOSTILE_TEXT,
    stages=HOSTILE_TEXT,
    districts=HOSTILE_TEXT,
    year_from=2023,
    year_to=2025,
    degurba=(1, 2, 3),
)
ARGUMENTS = {
    "f": HOSTILE_FILTERS,
    "text": INJECTION,
    "ars": INJECTION,
    "level": "municipality",
    "kind": "initiative",
    "since_year": 2023,
}


def row_counts(db: Path) -> dict[str, int]:
    """Rows per table (every table must still be there)."""
    with connect(db, read_only=True) as con:
        return {
            t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES
        }


def query_functions() -> list[tuple[str, Callable]]:
    """Public functions of dashboard.queries that take a connection first."""
    return [
        (name, fn)
        for name, fn in inspect.getmembers(q, inspect.isfunction)
        if fn.__module__ == q.__name__
        and not name.startswith("_")
        and next(iter(inspect.signature(fn).parameters), "") == "con"
    ]


def test_every_query_binds_filter_values(hostile_db: Path) -> None:
    """SQL-like filter values match nothing, raise nothing and change nothing."""
    before = row_counts(hostile_db)
    with connect(hostile_db, read_only=True) as con:
        for name, fn in query_functions():
            params = list(inspect.signature(fn).parameters.values())[1:]
            missing = [
                p.name
                for p in params
                if p.default is p.empty and p.name not in ARGUMENTS
            ]
            assert not missing, f"{name}: add test values for {missing}"
            fn(
                con,
                **{p.name: ARGUMENTS[p.name] for p in params if p.name in ARGUMENTS},
            )
        assert q.kpis(con, HOSTILE_FILTERS)["initiatives"] == 0
        assert q.initiatives_public(con, HOSTILE_FILTERS).empty
        assert q.map_search(con, INJECTION).empty
        assert q.map_search(con, "' OR '1'='1").empty
        assert q.region_profile(con, Filters(), INJECTION)["region"].iloc[0] == 0
    assert row_counts(hostile_db) == before


def injection_params() -> dict[str, list[str] | str]:
    """Every URL parameter the app reads, each with a SQL-like value."""
    names = (
        "theme",
        "partner",
        "stage",
        "settlement",
        "district",
        "from",
        "to",
        "events",
        "lang",
        "level",
        "indicator",
    )
    return {name: [INJECTION, "' OR '1'='1"] for name in names}


def open_app(db: Path, page: str, monkeypatch, params: dict | None = None) -> AppTest:
    """Run the app on ``db`` (with URL ``params``) and open ``page``."""
    monkeypatch.setenv("SINN_DB", str(db))
    at = AppTest.from_file(APP, default_timeout=180)
    at.query_params.update(params or {})
    at.run()
    if page != "karte":
        at.switch_page(f"app_pages/{page}.py").run()
    return at


def assert_clean(at: AppTest) -> None:
    """No exception and no error box."""
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def table_sizes(at: AppTest) -> list[int]:
    """Row counts of the page's tables."""
    return [len(d.value) for d in at.dataframe]


@pytest.mark.parametrize("page", PAGES)
def test_url_injection_changes_nothing(
    hostile_db: Path, monkeypatch, page: str
) -> None:
    """SQL-like URL values: notices, the unfiltered page, the same database."""
    before = row_counts(hostile_db)
    clean = open_app(hostile_db, page, monkeypatch)
    at = open_app(hostile_db, page, monkeypatch, injection_params())
    assert_clean(at)
    notices = " ".join(w.value for w in at.warning)
    assert "DROP TABLE" in notices and "' OR '1'='1" in notices
    assert table_sizes(at) == table_sizes(clean)
    assert [m.value for m in at.metric] == [m.value for m in clean.metric]
    assert row_counts(hostile_db) == before


def test_url_injection_embed(hostile_db: Path, monkeypatch) -> None:
    """The embed view drops SQL-like values with a notice, too."""
    before = row_counts(hostile_db)
    at = open_app(
        hostile_db, "karte", monkeypatch, {**injection_params(), "view": "embed"}
    )
    assert_clean(at)
    assert "DROP TABLE" in " ".join(w.value for w in at.warning)
    assert row_counts(hostile_db) == before


# --- privacy ------------------------------------------------------------------------


def page_bytes(at: AppTest) -> bytes:
    """Everything the run sends to the browser: all element protos, serialised.

    Table data travels as Arrow bytes and the map as component arguments; both
    hold their strings as plain UTF-8, so a byte search finds any value.
    """
    out: list[bytes] = []

    def walk(node) -> None:
        proto = getattr(node, "proto", None)
        if hasattr(proto, "SerializeToString"):
            out.append(proto.SerializeToString())
        children = getattr(node, "children", None)
        for child in children.values() if isinstance(children, dict) else ():
            walk(child)

    walk(at._tree)
    return b"".join(out)


def shared_scripts(sent: bytes) -> bytes:
    """The shared geometry and labels scripts named in ``sent``, read from disk."""
    names = set(re.findall(rb"(?:geo|labels-[a-z]+)\.[0-9a-f]+\.js", sent))
    return b"".join((GEO_DIR / n.decode()).read_bytes() for n in sorted(names))


def leaked(data: bytes | str) -> list[str]:
    """The private values found in ``data``."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    return [s for s in SECRETS if s.encode("utf-8") in raw]


@pytest.fixture
def downloads(monkeypatch) -> dict[str, Callable]:
    """File name -> bytes maker of every download button rendered from now on.

    Records what Streamlit's media file manager is handed (data computed on
    click or given up front) and passes it on unchanged.
    """
    found: dict[str, Callable] = {}
    deferred, static = MediaFileManager.add_deferred, MediaFileManager.add

    def add_deferred(self, data, mimetype, coordinates, file_name=None, **kwargs):
        found[file_name] = data
        return deferred(self, data, mimetype, coordinates, file_name, **kwargs)

    def add(self, data, mimetype, coordinates, file_name=None, *args, **kwargs):
        if file_name is not None:
            found[file_name] = lambda: data
        return static(self, data, mimetype, coordinates, file_name, *args, **kwargs)

    monkeypatch.setattr(MediaFileManager, "add_deferred", add_deferred)
    monkeypatch.setattr(MediaFileManager, "add", add)
    return found


PRIVACY_VIEWS = [
    ("karte", {}),
    ("karte", {"level": "municipality", "lang": "en"}),
    ("karte", {"view": "embed"}),
    *((page, {}) for page in PAGES[1:]),
]


@pytest.mark.parametrize(("page", "params"), PRIVACY_VIEWS)
def test_pages_show_no_private_values(
    hostile_db: Path, monkeypatch, downloads: dict, page: str, params: dict
) -> None:
    """No contact value or non-public row in any page or any of its downloads."""
    at = open_app(hostile_db, page, monkeypatch, params)
    assert_clean(at)
    # The map's marker fields travel in the shared labels script it loads.
    sent = page_bytes(at) + shared_scripts(page_bytes(at))
    assert leaked(sent) == []
    if page in ("karte", "daten"):  # the scan sees row data: the public row is there
        assert PUBLIC_CONTACT_ROW.encode() in sent
    for name, make in downloads.items():
        assert leaked(make()) == [], name


def test_search_finds_no_private_rows(hostile_db: Path, monkeypatch) -> None:
    """The map search lists the public row, never the non-public one."""
    at = open_app(hostile_db, "karte", monkeypatch)
    at.text_input(key="map_search").input("Zz-").run()
    assert_clean(at)
    options = at.selectbox(key="map_pick").options
    assert any(PUBLIC_CONTACT_ROW in o for o in options)
    assert not any("Zz-Intern" in o for o in options)
    assert leaked(page_bytes(at)) == []


def test_static_export_has_no_private_values(hostile_db: Path, tmp_path: Path) -> None:
    """The static map holds the public rows only, without contact data."""
    html = export_map(hostile_db, tmp_path / "map.html").read_text(encoding="utf-8")
    assert leaked(html) == []
    assert PUBLIC_CONTACT_ROW in html


def test_non_public_rows_count_in_aggregates(hostile_db: Path) -> None:
    """The ETL statistics count non-public rows; the public tables leave them out."""
    with connect(hostile_db, read_only=True) as con:
        for table, private in (
            ("initiatives", PRIVATE_INITIATIVE),
            ("events", PRIVATE_EVENT),
        ):
            total, public = con.execute(
                f"SELECT count(*), count(*) FILTER (WHERE public) FROM {table} "
                "WHERE ags = ?",
                [PRIVATE_AGS],
            ).fetchone()
            assert total == public + 1
            counted = con.execute(
                f"SELECT {table} FROM municipality_stats WHERE ags = ?", [PRIVATE_AGS]
            ).fetchone()[0]
            assert counted == total
            in_district = con.execute(
                f"SELECT d.{table}, (SELECT count(*) FROM {table} x "
                "WHERE x.district_ars = d.ars) FROM district_stats d "
                "WHERE d.ars = ?",
                [PRIVATE_AGS[:5]],
            ).fetchone()
            assert in_district[0] == in_district[1]
            listed = q.initiatives_public if table == "initiatives" else q.events_public
            assert private not in set(listed(con, Filters())["name"])
        contacts = con.execute(
            "SELECT count(*) FROM initiatives WHERE contact_email = ?",
            [CONTACT["contact_email"]],
        ).fetchone()[0]
    assert contacts == 2  # stored, as the import schema demands, but never shown


# --- spreadsheet formulas -----------------------------------------------------------


def csv_cells(raw: bytes) -> pd.DataFrame:
    """A downloaded CSV as text cells."""
    return pd.read_csv(
        io.BytesIO(raw), sep=";", dtype=str, keep_default_na=False, encoding="utf-8-sig"
    )


def assert_no_formula_cells(cells: list[str], name: str) -> None:
    """No text cell a spreadsheet would evaluate."""
    bad = [c for c in cells if isinstance(c, str) and c.startswith(SPREADSHEET_STARTS)]
    assert bad == [], (name, bad[:5])


def test_every_daten_download_neutralises_formulas(
    hostile_db: Path, monkeypatch, downloads: dict
) -> None:
    """Each CSV and XLSX the Daten page offers: formulas defused, numbers numeric."""
    at = open_app(hostile_db, "daten", monkeypatch)
    assert_clean(at)
    stems = {
        "sinn_initiativen",
        "sinn_veranstaltungen",
        "sinn_gemeinden",
        "sinn_kreise",
    }
    expected = {f"{s}.{x}" for s in stems for x in ("csv", "xlsx", "parquet")}
    expected |= {f"{s}_datenwoerterbuch.csv" for s in stems}
    expected |= {"sinn_initiativen.geojson", "sinn_veranstaltungen.geojson"}
    # The first run shows Karte, whose map PNG (no cells) is recorded too.
    assert set(downloads) == expected | {"sinn_karte_district_per_100k.png"}
    for name, make in downloads.items():
        raw = make()
        if name.endswith(".csv"):
            frame = csv_cells(raw)
            assert_no_formula_cells(frame.to_numpy().ravel().tolist(), name)
            if name.startswith("sinn_initiativen."):
                assert "'" + FORMULAS[0] in set(frame["name"])
                assert "'=h4" in set(frame["id"])
        elif name.endswith(".xlsx"):
            book = openpyxl.load_workbook(io.BytesIO(raw))
            for sheet in book.worksheets:
                cells = [c for row in sheet.iter_rows(min_row=2) for c in row]
                assert_no_formula_cells(
                    [c.value for c in cells if c.data_type == "s"], name
                )
                assert not [c for c in cells if c.data_type == "f"], name
            if name == "sinn_gemeinden.xlsx":
                header = [c.value for c in book.worksheets[0][1]]
                population = book.worksheets[0].cell(
                    row=2, column=header.index("population") + 1
                )
                assert population.data_type == "n"


def test_negative_numbers_stay_numbers() -> None:
    """A negative number is data, not a formula: CSV and XLSX keep it numeric."""
    frame = pd.DataFrame({"name": ["-1+2", "ok"], "funding_eur": [-1500.5, 2.0]})
    cells = csv_cells(exports.to_csv(frame))
    assert list(cells["name"]) == ["'-1+2", "ok"]
    assert list(cells["funding_eur"]) == ["-1500,5", "2,0"]
    sheet = openpyxl.load_workbook(io.BytesIO(exports.to_xlsx({"x": frame}))).active
    assert sheet["B2"].value == -1500.5 and sheet["B2"].data_type == "n"
    assert sheet["A2"].value == "'-1+2"


def test_planung_download_neutralised(
    hostile_db: Path, monkeypatch, downloads: dict
) -> None:
    """The Planung page's downloads (if any) defuse formulas and keep privacy."""
    if "planung" not in PAGES:
        pytest.skip("no Planung page yet")
    at = open_app(hostile_db, "planung", monkeypatch)
    assert_clean(at)
    offered = (
        "st.download_button" in (ROOT / "dashboard/app_pages/planung.py").read_text()
    )
    assert bool(downloads) == offered
    for name, make in downloads.items():
        raw = make()
        assert leaked(raw) == [], name
        if name.endswith(".csv"):
            assert_no_formula_cells(csv_cells(raw).to_numpy().ravel().tolist(), name)


def test_filters_in_public_tables_are_public_only(hostile_db: Path) -> None:
    """Public tables, search and marts hold public rows only."""
    with connect(hostile_db, read_only=True) as con:
        names = set(q.initiatives_public(con, Filters())["name"])
        events = set(q.events_public(con, Filters())["name"])
        found = q.map_search(con, "Zz-Intern")
        private = con.execute(
            "SELECT count(*) FROM initiatives WHERE NOT public"
        ).fetchone()[0]
        facts = con.execute("SELECT sum(initiatives) FROM initiative_facts").fetchone()
        rows = con.execute("SELECT count(*) FROM initiatives").fetchone()[0]
    assert private > 0 and facts[0] == rows - private
    assert PRIVATE_INITIATIVE not in names and PRIVATE_EVENT not in events
    assert found.empty
