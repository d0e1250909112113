"""Reference tables built from the real BKG, Zensus, GV-ISys and PLZ files."""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import pytest

from etl.reference import SEATS_FILE, build_reference, read_seats
from geo.boundaries import find_layer, read_level
from sinn.db import connect
from tests.etl_helpers import reference_raw


@pytest.fixture(scope="module")
def ref():
    """An in-memory connection holding the reference tables."""
    con = connect()
    report = build_reference(con, reference_raw())
    yield con, report
    con.close()


def scalar(con, sql, params=()):
    return con.execute(sql, list(params)).fetchone()[0]


def test_counts_and_population(ref):
    con, report = ref
    assert report.districts == 13
    assert report.municipalities == 419
    assert report.unmatched == {}
    assert scalar(con, "SELECT count(*) FROM districts") == 13
    assert scalar(con, "SELECT count(*) FROM municipalities") == 419
    assert scalar(con, "SELECT sum(population) FROM municipalities") == 4_038_131
    assert scalar(con, "SELECT sum(population) FROM districts") == 4_038_131
    assert scalar(con, "SELECT sum(population_2019) FROM municipalities") == 4_071_971


def test_known_districts(ref):
    con, _ = ref
    rows = dict(
        con.execute("SELECT ars, name || '|' || kind FROM districts").fetchall()
    )
    assert rows["14612"] == "Dresden|Kreisfreie Stadt"
    assert rows["14511"] == "Chemnitz|Kreisfreie Stadt"
    assert rows["14713"] == "Leipzig|Kreisfreie Stadt"
    assert rows["14729"] == "Leipzig|Landkreis"
    kinds = con.execute(
        "SELECT kind, count(*) FROM districts GROUP BY 1 ORDER BY 1"
    ).fetchall()
    assert kinds == [("Kreisfreie Stadt", 3), ("Landkreis", 10)]
    assert (
        scalar(con, "SELECT population FROM districts WHERE ars = '14612'") == 557_782
    )


def test_district_seats_match_the_municipalities(ref):
    """Each of the 10 Kreissitze is a municipality of its district, names exact."""
    con, _ = ref
    text = SEATS_FILE.read_text(encoding="utf-8")
    assert text.count("SächsKrGebNG") == 10  # every row names its legal source
    seats = read_seats()
    assert len(seats) == 10 and len({ars for ars, _ in seats}) == 10
    rows = con.execute(
        """SELECT s.ars, s.ags, m.name, m.district_ars FROM
           (SELECT unnest(?::VARCHAR[]) AS ars, unnest(?::VARCHAR[]) AS ags) s
           JOIN municipalities m USING (ags) ORDER BY s.ars""",
        [[a for a, _ in seats], [g for _, g in seats]],
    ).fetchall()
    assert [(ars, name) for ars, _, name, _ in rows] == [
        ("14521", "Annaberg-Buchholz"),
        ("14522", "Freiberg"),
        ("14523", "Plauen"),
        ("14524", "Zwickau"),
        ("14625", "Bautzen"),
        ("14626", "Görlitz"),
        ("14627", "Meißen"),
        ("14628", "Pirna"),
        ("14729", "Borna"),
        ("14730", "Torgau"),
    ]
    assert all(district == ars for ars, _, _, district in rows)
    names = dict(
        con.execute(
            "SELECT d.ars, m.name FROM districts d "
            "JOIN municipalities m ON m.ags = d.seat_ags"
        ).fetchall()
    )
    assert len(names) == 13  # the three cities are their own seats
    assert (names["14612"], names["14729"], names["14730"]) == (
        "Dresden",
        "Borna",
        "Torgau",
    )


def test_settlement_types(ref):
    con, _ = ref
    counts = con.execute(
        "SELECT degurba, degurba_label, count(*) FROM municipalities "
        "GROUP BY ALL ORDER BY 1"
    ).fetchall()
    assert counts == [(1, "städtisch", 8), (2, "mittel", 142), (3, "ländlich", 269)]


def test_keys_and_centroids(ref):
    con, _ = ref
    row = con.execute(
        "SELECT ars, name, district_ars, main_postal_code, centroid_lon, centroid_lat "
        "FROM municipalities WHERE ags = '14612000'"
    ).fetchone()
    assert row[:4] == ("146120000000", "Dresden", "14612", "01067")
    assert row[4] == pytest.approx(13.78, abs=0.02) and row[5] == pytest.approx(
        51.07, abs=0.02
    )
    # every centroid lies inside Saxony's outline
    outside = scalar(
        con,
        "SELECT count(*) FROM municipalities m, context_areas c "
        "WHERE c.kind = 'saxony' "
        "AND NOT ST_Contains(c.geom_web, ST_Point(m.centroid_lon, m.centroid_lat))",
    )
    assert outside <= 2  # generalised web outline; crescent-shaped municipalities


def test_web_geometry_is_small_and_valid(ref):
    con, _ = ref
    size = scalar(con, "SELECT sum(length(ST_AsGeoJSON(geom_web))) FROM municipalities")
    assert size < 400_000  # well under 1 MB for all 419
    assert (
        scalar(
            con, "SELECT count(*) FROM municipalities WHERE NOT ST_IsValid(geom_web)"
        )
        == 0
    )
    assert scalar(con, "SELECT count(*) FROM context_areas WHERE kind = 'land'") == 16
    area = scalar(con, "SELECT sum(ST_Area(geom)) / 1e6 FROM municipalities")
    assert area == pytest.approx(18_450, rel=0.01)  # Saxony ≈ 18,450 km²


def test_postal_codes(ref):
    con, _ = ref
    assert scalar(con, "SELECT count(DISTINCT postal_code) FROM postal_codes") == 384
    rows = con.execute(
        "SELECT ags FROM postal_codes WHERE postal_code = '01454' ORDER BY ags"
    ).fetchall()
    # Radeberg and Wachau share 01454
    assert [r[0] for r in rows] == ["14625480", "14625600"]


def test_reader_finds_layers_in_any_bkg_layout(tmp_path):
    """A VG250-style archive with another folder name and extra files still loads."""
    src = reference_raw() / "vg5000_01-01.gk3.shape.ebenen.zip"
    member = find_layer(src, "KRS")
    assert member.endswith("VG5000_KRS.shp")
    out = tmp_path / "vg250_01-01.utm32s.shape.ebenen.zip"
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(out, "w") as zout:
        for info in zin.infolist():
            name = info.filename.replace("vg5000_ebenen_0101", "vg250_ebenen_0101/deep")
            zout.writestr(name.replace("VG5000_", "VG250_"), zin.read(info))
    districts = read_level(out, "KRS")
    assert len(districts) == 13
    with pytest.raises(ValueError, match="level must be one of"):
        find_layer(out, "XYZ")


def test_edition_with_merged_municipalities_reports_keys(tmp_path):
    """Municipalities a newer edition merges away are reported, not fatal."""
    import geopandas as gpd

    raw = reference_raw()
    work = tmp_path / "raw"
    shutil.copytree(raw, work)
    src = work / "vg5000_01-01.gk3.shape.ebenen.zip"
    member = find_layer(src, "GEM")
    extract = tmp_path / "x"
    with zipfile.ZipFile(src) as zf:
        zf.extractall(extract)
    gem = gpd.read_file(extract / member)
    # merge Wachau into Radeberg under a new key, as a territorial reform would
    merged = gem[gem["AGS"].isin(["14625480", "14625600"])].dissolve().iloc[:1].copy()
    merged[["ARS", "AGS", "GEN"]] = ["146250999999", "14625999", "Radeberg-Wachau"]
    rest = gem[~gem["AGS"].isin(["14625480", "14625600"])]
    new = gpd.GeoDataFrame(__import__("pandas").concat([rest, merged]), crs=gem.crs)
    new.to_file(extract / member, engine="pyogrio")
    out = work / src.name
    out.unlink()
    with zipfile.ZipFile(out, "w") as zf:
        for path in Path(extract).rglob("*"):
            if path.is_file():
                zf.write(path, path.relative_to(extract))
    con = connect()
    report = build_reference(con, work)
    assert report.municipalities == 418
    assert report.unmatched["boundaries_without_zensus"] == ["14625999"]
    assert report.unmatched["zensus_without_boundary"] == ["14625480", "14625600"]
    assert scalar(con, "SELECT count(*) FROM districts") == 13
    assert (
        scalar(con, "SELECT population FROM municipalities WHERE ags = '14625999'")
        is None
    )
    # the whole build with demo data still publishes on such an edition
    from etl.build import build

    summary = build(tmp_path / "new.duckdb", demo=True, raw=work)
    assert (summary.districts, summary.municipalities) == (13, 418)
    assert summary.unmatched_keys["zensus_without_boundary"] == ["14625480", "14625600"]
