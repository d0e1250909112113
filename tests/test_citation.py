"""Data version and citation: checksums in the build record, Methodik, dictionaries."""

from __future__ import annotations

import datetime as dt
import re

from streamlit.testing.v1 import AppTest

from dashboard import exports
from dashboard.citation import citation, data_version, dictionary_notes
from dashboard.queries import latest_run
from dashboard.texts import t
from etl.fetch import SOURCES


def test_build_records_source_checksums_urls_and_dates(con) -> None:
    """Every reference file: the mirror's SHA-256, its public URL, a fetch date."""
    run = latest_run(con)
    recorded = {s["file"]: s for s in run["sources"]}
    assert set(recorded) == {s.filename for s in SOURCES}
    for source in SOURCES:
        entry = recorded[source.filename]
        assert entry["sha256"] == source.sha256
        assert entry["url"] == source.url
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", entry["retrieved"])
    imported = [i for i in run["inputs"] if i["kind"] in ("initiative", "event")]
    assert len(imported) == 2
    assert all(re.fullmatch(r"[0-9a-f]{64}", i["sha256"]) for i in imported)


def test_citation_and_version_in_the_dictionary(con) -> None:
    """A download's dictionary ends with the citation, version and each source."""
    run = latest_run(con)
    notes = dictionary_notes(run, "de")
    dictionary = exports.data_dictionary(["name"], lambda k: t(k, "de"), notes)
    assert list(dictionary.iloc[1:, 0]) == [
        "Zitiervorschlag",
        "Datenversion",
        *[s["file"] for s in run["sources"]],
    ]
    cite = dictionary.iloc[1, 1]
    assert cite == citation(run, "de") and f"(Lauf {run['run_id']})" in cite
    assert (
        "GV-ISys (Gemeindeverzeichnis 4. Quartal 2020, Bevölkerung 31.12.2019)" in cite
    )
    version = dictionary.iloc[2, 1]
    assert f"AuszugGV4QAktuell.csv {SOURCES[1].sha256}" in version
    assert str(run["finished_at"])[:19] in version
    short = data_version(run, "en")
    assert f"AuszugGV4QAktuell.csv {SOURCES[1].sha256[:12]};" in short


def test_methodik_units_defaults_sources(
    app: AppTest, con, assert_clean, open_page
) -> None:
    """Methodik: km not metres, the recommender's defaults, GV-ISys Q4/2020, URLs."""
    at = open_page(app, "methodik")
    assert_clean(at)
    text = " ".join(m.value for m in at.markdown)
    assert "Luftlinie in Kilometern" in text and "in Metern" not in text
    assert "R = 15 km, k = 5, ohne Gewichtung" in text
    assert "Gebietsstand 4. Quartal 2020, Bevölkerung 31.12.2019" in text
    retrieved = dt.date.fromisoformat(
        next(s for s in latest_run(con)["sources"] if s["url"] == SOURCES[1].url)[
            "retrieved"
        ]
    )
    assert f"]({SOURCES[1].url}), abgerufen am {retrieved:%d.%m.%Y}" in text
    assert "Status veröffentlicht" in text or "veröffentlicht" in text
    run = latest_run(con)
    assert at.code[0].value == citation(run, "de")


def test_static_map_carries_the_data_version(demo_db, con, tmp_path) -> None:
    """The exported map: build time in the attribution, citation and checksums."""
    from dashboard.export_map import export_map

    run = latest_run(con)
    html = export_map(demo_db, tmp_path / "map.html").read_text(encoding="utf-8")
    assert f"Build {str(run['finished_at'])[:19]} UTC, Lauf {run['run_id']}" in html
    assert '<meta name="sinn:data-version" content="Build ' in html
    assert SOURCES[1].sha256 in html
    assert '<meta name="sinn:citation" content="SINN-Atlas – Soziale' in html
