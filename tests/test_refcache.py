"""The reference table cache: reused for the same inputs, rebuilt when one changes."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb

from etl.build import build
from etl.macros import install_macros
from etl.refcache import INPUTS, LOOKUPS, PUBLISHED, reference_tables
from sinn.db import connect
from tests.etl_helpers import reference_raw, write_csv

DRESDEN = "14612000"


def _raw_copy(tmp_path: Path) -> Path:
    """A private raw folder with the four reference inputs."""
    raw = tmp_path / "raw"
    raw.mkdir()
    for name in INPUTS:
        shutil.copy2(reference_raw() / name, raw / name)
    return raw


def _tables(con: duckdb.DuckDBPyConnection) -> dict[str, list[tuple]]:
    """Every cached table's rows, sorted (some lookups are unions without order)."""
    return {
        t: sorted(con.execute(f"SELECT * FROM {t}").fetchall(), key=repr)
        for t in PUBLISHED + LOOKUPS
    }


def _reference(raw: Path, cache: Path | None) -> tuple[dict, object, str]:
    """Tables, report and cache state of one reference step on a new connection."""
    with connect() as con:
        install_macros(con)
        report, state = reference_tables(con, raw, cache)
        return _tables(con), report, state


def test_second_run_copies_the_same_tables_from_the_cache(tmp_path):
    raw, cache = _raw_copy(tmp_path), tmp_path / "cache"
    fresh, fresh_report, off = _reference(raw, None)
    first, first_report, miss = _reference(raw, cache)
    second, second_report, hit = _reference(raw, cache)
    assert (off, miss, hit) == ("off", "miss", "hit")
    assert fresh == first == second
    assert fresh_report == first_report == second_report
    assert (second_report.municipalities, second_report.districts) == (419, 13)
    assert len(second["municipalities"]) == 419
    assert [p.name for p in cache.iterdir()] == [
        next(cache.glob("reference-*.duckdb")).name
    ]  # one cache file, no temporary leftovers


def test_changed_input_file_rebuilds(tmp_path):
    raw, cache = _raw_copy(tmp_path), tmp_path / "cache"
    before, _, miss = _reference(raw, cache)
    zensus = raw / "zensus2022_gemeinden.parquet"
    changed = tmp_path / "changed.parquet"
    with duckdb.connect() as con:
        con.sql(
            "SELECT * REPLACE (CASE WHEN lpad(CAST(AGS AS VARCHAR), 8, '0') = $ags "
            "THEN AnzahlPersonen + 1 ELSE AnzahlPersonen END AS AnzahlPersonen) "
            "FROM read_parquet($path)",
            params={"ags": DRESDEN, "path": str(zensus)},
        ).write_parquet(str(changed))
    changed.replace(zensus)
    after, _, state = _reference(raw, cache)
    population = {
        name: dict(r[:6:5] for r in tables["municipalities"])[DRESDEN]
        for name, tables in (("before", before), ("after", after))
    }
    assert (miss, state) == ("miss", "miss")
    assert population["after"] == population["before"] + 1
    assert len(list(cache.glob("reference-*.duckdb"))) == 2
    assert _reference(raw, cache)[2] == "hit"


def test_unreadable_cache_file_is_replaced(tmp_path):
    raw, cache = _raw_copy(tmp_path), tmp_path / "cache"
    first, _, _ = _reference(raw, cache)
    stored = next(cache.glob("reference-*.duckdb"))
    stored.write_bytes(b"not a database")
    again, report, state = _reference(raw, cache)
    assert state == "miss"
    assert again == first and report.municipalities == 419
    assert _reference(raw, cache)[2] == "hit"


def test_builds_report_the_cache_and_publish_the_same_tables(tmp_path, monkeypatch):
    raw, cache = _raw_copy(tmp_path), tmp_path / "cache"
    monkeypatch.setenv("SINN_CACHE_DIR", str(cache))
    rows = [{"name": "Tafel", "lat": "51.05", "lon": "13.74"}]
    csv = write_csv(tmp_path / "ini.csv", rows)
    published = []
    for n in (1, 2):
        db = tmp_path / f"run{n}" / "sinn.duckdb"
        summary = build(db, initiatives=[csv], raw=raw)
        with connect(db, read_only=True) as con:
            published.append(
                [
                    con.execute(f"SELECT * FROM {t}").fetchall()
                    for t in (*PUBLISHED, "initiatives")
                ]
            )
        assert summary.reference_cache == ("miss" if n == 1 else "hit")
        assert summary.municipalities == 419 and summary.accepted["initiatives"] == 1
        with connect(db, read_only=True) as con:
            assert con.execute("SELECT ags FROM initiatives").fetchall() == [(DRESDEN,)]
    assert published[0] == published[1]


def test_changed_seat_table_changes_the_key(tmp_path, monkeypatch):
    """The Kreissitz table is an input too: another seat means another cache key."""
    from etl import reference
    from etl.refcache import cache_key

    raw = _raw_copy(tmp_path)
    before = cache_key(raw)
    seats = tmp_path / "district_seats.csv"
    text = reference.SEATS_FILE.read_text(encoding="utf-8")
    seats.write_text(text.replace("14729050", "14729370"), encoding="utf-8")
    monkeypatch.setattr(reference, "SEATS_FILE", seats)
    assert text != seats.read_text(encoding="utf-8")
    assert cache_key(raw) != before
