"""The EU list of operations: the real ESF list, notations, places, sources, marts."""

from __future__ import annotations

import csv
import datetime as dt
from decimal import Decimal
from pathlib import Path

import duckdb
import openpyxl
import pytest

from dashboard.i18n import t
from etl.build import build
from etl.checks import operation_checks
from etl.cli import main as cli_main
from etl.ingest import InputError
from etl.macros import install_macros
from etl.operations import (
    ESF_LIST,
    SUCCESSORS_FILE,
    as_of_from_name,
    fund_from_name,
    import_operations,
    programme_from_name,
)
from etl.reference import build_reference
from etl.schema import TABLE_DDL
from sinn.db import connect
from tests.etl_helpers import reference_raw, write_csv

HEADERS = {
    "beneficiary": "Name des Begünstigten",
    "name": "Bezeichnung des Vorhabens",
    "start": "Datum des Beginns des Vorhabens",
    "amount": "Gesamtbetrag der förderfähigen Ausgaben des Vorhabens",
    "rate": "Unions-Kofinanzierungssatz pro Prioritätsachse",
    "place": "Durchführungsort des Vorhabens",
    "district": "Landkreis",
}


def row(place: str, district: str, amount: str, postal_code: str | None = None) -> dict:
    """One list row with German headers (and a postcode column when one is given)."""
    values = {
        "beneficiary": "Träger e. V.",
        "name": "Kurs",
        "start": "01.03.2015",
        "amount": amount,
        "rate": "80",
        "place": place,
        "district": district,
    }
    extra = {} if postal_code is None else {"Postleitzahl des Vorhabens": postal_code}
    return {**{HEADERS[k]: v for k, v in values.items()}, **extra}


@pytest.fixture(scope="module")
def esf_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database built from the real ESF list in data/raw, nothing else."""
    raw = reference_raw()
    path = tmp_path_factory.mktemp("ops") / "ops.duckdb"
    summary = build(path, operations=[raw / ESF_LIST])
    assert summary.accepted["operations"] == 5748
    return path


@pytest.fixture(scope="module")
def ref_con():
    """A connection holding the reference tables, shared by the small-file tests."""
    con = connect()
    install_macros(con)
    build_reference(con, reference_raw())
    for ddl in TABLE_DDL.values():
        con.execute(ddl)
    yield con
    con.close()


@pytest.fixture
def con(ref_con):
    """The reference connection with empty operation and reject tables."""
    for table in ("operations", "operation_sources", "rejects"):
        ref_con.execute(f"DELETE FROM {table}")
    return ref_con


def run(con, tmp_path: Path, rows: list, name: str = "liste_esf.csv", **kw):
    """Import a CSV list of rows or (place, district, amount) tuples; return report."""
    rows = [r if isinstance(r, dict) else row(*r) for r in rows]
    path = write_csv(tmp_path / name, rows)
    return import_operations(con, [path], kw.get("fund"), tmp_path)


def placed(con) -> list[tuple]:
    """(place_raw, ags, district_ars, precision, amount) of each operation, in order."""
    return con.execute(
        "SELECT place_raw, ags, district_ars, location_precision, eligible_eur "
        "FROM operations ORDER BY row_number"
    ).fetchall()


# --- the real ESF list ---------------------------------------------------------


def test_real_esf_list_exact_facts(esf_db):
    with connect(esf_db, read_only=True) as con:

        def q(sql: str) -> list[tuple]:
            return con.execute(sql).fetchall()

        assert q("SELECT count(*), sum(eligible_eur) FROM operations") == [
            (5748, Decimal("177076396.59"))
        ]
        assert q(
            "SELECT count(*), sum(eligible_eur) FROM operations "
            "WHERE district_ars = '14612'"
        ) == [(1077, Decimal("41743956.57"))]
        assert q("SELECT count(*) FROM operations WHERE district_ars = '14729'") == [
            (235,)
        ]
        assert q("SELECT count(*) FROM operations WHERE district_ars = '14713'") == [
            (843,)
        ]
        by_precision = dict(
            q("SELECT location_precision, count(*) FROM operations GROUP BY 1")
        )
        assert by_precision == {"municipality": 5742, "state": 6}
        assert q(
            "SELECT count(*), sum(eligible_eur) FROM operations "
            "WHERE location_precision = 'state' AND district_ars IS NULL"
        ) == [(6, Decimal("12035112.36"))]
        assert q("SELECT count(*) FROM rejects WHERE kind = 'operation'") == [(0,)]
        assert q("SELECT count(DISTINCT operation_id) FROM operations") == [(5748,)]


def test_real_esf_list_places_in_register_spelling(esf_db):
    with connect(esf_db, read_only=True) as con:
        pairs = dict(
            con.execute(
                "SELECT DISTINCT place_raw || ' | ' || district_raw, ags "
                "FROM operations WHERE ags IS NOT NULL"
            ).fetchall()
        )
    assert pairs["Freiberg, Stadt, Universitätsstadt | Mittelsachsen"] == "14522180"
    assert pairs["Oelsnitz/Erzgeb., Stadt | Erzgebirgskreis"] == "14521450"
    assert pairs["Sohland a. d. Spree | Bautzen"] == "14625560"
    assert pairs["Neustadt i. Sa., Stadt | Sächsische Schweiz-Osterzgebirge"] == (
        "14628260"
    )
    assert pairs["Bernsdorf, Stadt | Bautzen"] == "14625030"
    assert pairs["Krauschwitz | Görlitz"] == "14626250"
    # merged since the list was published: through the successor table
    assert pairs["Aue, Stadt | Erzgebirgskreis"] == "14521035"
    assert pairs["Bad Schlema | Erzgebirgskreis"] == "14521035"
    assert pairs["Mylau, Stadt | Vogtlandkreis"] == "14523340"


def test_real_esf_list_source_and_marts(esf_db):
    with connect(esf_db, read_only=True) as con:
        source = con.execute(
            "SELECT source_file, fund, programme, as_of, citation, rows, sha256 "
            "FROM operation_sources"
        ).fetchall()
        assert source == [
            (
                ESF_LIST,
                "ESF",
                "2014–2020",
                dt.date(2016, 6, 30),
                "Liste der Vorhaben ESF Sachsen 2014–2020, Stand 30.06.2016",
                5748,
                "019c210f661c57f7c768edcb910ef5381b79a2a944eb990257a2ef8fbe7fcf1d",
            ),
        ]
        facts = con.execute(
            "SELECT sum(operations), sum(eligible_eur), "
            "count(*) FILTER (WHERE location_precision = 'state' AND district_ars "
            "IS NULL AND ags IS NULL AND degurba IS NULL) FROM funding_facts"
        ).fetchone()
        assert facts[0] == 5748 and facts[1] == Decimal("177076396.59")
        assert facts[2] >= 1
        dresden = con.execute(
            "SELECT sum(operations), sum(eligible_eur), min(degurba), max(degurba) "
            "FROM funding_facts WHERE district_ars = '14612'"
        ).fetchone()
        assert dresden == (1077, Decimal("41743956.57"), 1, 1)
        # counted from the file's DD.MM.YYYY start dates
        assert con.execute(
            "SELECT start_year, sum(operations) FROM funding_facts "
            "GROUP BY 1 ORDER BY 1"
        ).fetchall() == [(2012, 1), (2014, 280), (2015, 4778), (2016, 689)]
        types = {
            r[0]: r[1]
            for r in con.execute(
                "SELECT column_name, data_type FROM information_schema.columns "
                "WHERE table_name = 'funding_facts'"
            ).fetchall()
        }
        assert types["eligible_eur"] == "DECIMAL(18,2)"
        assert types["operations"] == "BIGINT"
        assert types["degurba"] == "INTEGER"
        for name, sql, params in operation_checks():
            assert con.execute(sql, params).fetchone()[0] == 0, name


def test_successor_table_cites_date_and_source(ref_con):
    with SUCCESSORS_FILE.open(encoding="utf-8", newline="") as fh:
        lines = list(csv.DictReader(fh))
    assert len(lines) == 10
    known = dict(ref_con.execute("SELECT ags, name FROM municipalities").fetchall())
    for line in lines:
        assert line["successor_ags"] in known, line
        assert dt.date.fromisoformat(line["effective"]) >= dt.date(2015, 1, 1)
        assert "SächsGemO" in line["legal_source"], line


# --- notations -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amounts", "expected"),
    [
        (
            ("1580,38", "1.580,38", "775", "1.234.567,8"),
            ("1580.38", "1580.38", "775.00", "1234567.80"),
        ),
        (
            ("3,000.00", "1580.38", "1,234,567.89", "12"),
            ("3000.00", "1580.38", "1234567.89", "12.00"),
        ),
    ],
    ids=["german", "english"],
)
def test_notation_exact_to_the_cent(con, tmp_path, amounts, expected):
    rows = [("Dresden, Stadt", "Dresden, Kreisfreie Stadt", a) for a in amounts]
    run(con, tmp_path, rows)
    assert [r[4] for r in placed(con)] == [Decimal(e) for e in expected]


@pytest.mark.parametrize(
    ("amounts", "message"),
    [
        (("1,500", "2,250", "300"), "ambiguous"),
        (("1.500", "7.125"), "ambiguous"),
        (("1.580,38", "3,000.00"), "mix German and English"),
    ],
)
def test_ambiguous_or_mixed_notation_is_refused(con, tmp_path, amounts, message):
    rows = [("Dresden, Stadt", "Dresden, Kreisfreie Stadt", a) for a in amounts]
    with pytest.raises(InputError, match=message):
        run(con, tmp_path, rows)


def test_ambiguous_list_leaves_previous_database_untouched(tmp_path):
    reference_raw()
    db = tmp_path / "x.duckdb"
    good = write_csv(tmp_path / "ok_esf.csv", [row("Kamenz", "Bautzen", "10,50")])
    build(db, operations=[good])
    before = db.read_bytes()
    bad = write_csv(tmp_path / "bad_esf.csv", [row("Kamenz", "Bautzen", "1,500")])
    with pytest.raises(InputError, match="ambiguous"):
        build(db, operations=[bad])
    assert db.read_bytes() == before


# --- places ----------------------------------------------------------------------


# (place, district) -> (ags, district_ars, precision), each matched within its district
PLACES = {
    "bernsdorf": [
        (("Bernsdorf, Stadt", "Bautzen"), ("14625030", "14625", "municipality")),
        (("Bernsdorf", "Zwickau"), ("14524010", "14524", "municipality")),
        (("Bernsdorf", "Bautzen"), ("14625030", "14625", "municipality")),
    ],
    "leipzig": [
        (("Markkleeberg, Stadt", "Leipzig"), ("14729260", "14729", "municipality")),
        (
            ("Leipzig, Stadt", "Leipzig, Kreisfreie Stadt"),
            ("14713000", "14713", "municipality"),
        ),
        (("Gibt es nicht", "Leipzig"), (None, "14729", "district")),
        (("Gibt es nicht", "Leipzig, Kreisfreie Stadt"), (None, "14713", "district")),
    ],
    "successors": [
        (("Aue, Stadt", "Erzgebirgskreis"), ("14521035", "14521", "municipality")),
        (("Bad Schlema", "Erzgebirgskreis"), ("14521035", "14521", "municipality")),
        (("Mylau, Stadt", "Vogtlandkreis"), ("14523340", "14523", "municipality")),
        (("Kohren-Sahlis, Stadt", "Leipzig"), ("14729140", "14729", "municipality")),
        # the successor lies in another district: kept at district precision
        (("Mylau, Stadt", "Bautzen"), (None, "14625", "district")),
    ],
    "other spellings": [
        (
            ("01877 Bischofswerda, Stadt", "Landkreis Bautzen"),
            ("14625040", "14625", "municipality"),
        ),
        (
            ("Pirna", "Sächsische Schweiz - Osterzgebirge"),
            ("14628270", "14628", "municipality"),
        ),
        (("Dresden", "Dresden"), ("14612000", "14612", "municipality")),
        (("Görlitz", ""), ("14626110", "14626", "municipality")),
    ],
    "postcode": [  # a place no register knows, placed by a one-municipality postcode
        (
            ("Ortsteil ohne Register", "Mittelsachsen", "09599"),
            ("14522180", "14522", "municipality"),
        ),
        (("Ortsteil ohne Register", "Bautzen", "01877"), (None, "14625", "district")),
        (("Bernsdorf", "Zwickau", "09599"), ("14524010", "14524", "municipality")),
    ],
    "state": [
        (("Sachsen", "Sachsen"), (None, None, "state")),
        (("", "Sachsen"), (None, None, "state")),
    ],
}


@pytest.mark.parametrize("case", PLACES)
def test_places_within_their_district(con, tmp_path, case):
    cases = PLACES[case]
    rows = [row(where[0], where[1], "1.000,50", *where[2:]) for where, _ in cases]
    report = run(con, tmp_path, rows)
    rows = placed(con)
    assert [r[1:4] for r in rows] == [want for _, want in cases]
    assert {r[4] for r in rows} == {Decimal("1000.50")}  # every row keeps its money
    fallback = [f"{w[0]} ({w[1]})" for w, want in cases if want[2] == "district"]
    assert sorted(report.district_only) == sorted(fallback)


def test_dates_in_the_formats_lists_use(con, tmp_path):
    rows = [row("Kamenz", "Bautzen", "1,00") for _ in range(4)]
    starts = ("01.03.2015", "1.3.2015", "01.03.15", "2015-03-01")
    for r, start in zip(rows, starts, strict=True):
        r[HEADERS["start"]] = start
    run(con, tmp_path, rows)
    assert con.execute("SELECT DISTINCT start_date FROM operations").fetchall() == [
        (dt.date(2015, 3, 1),)
    ]


def test_unusable_rows_go_to_rejects_nothing_dropped(con, tmp_path):
    report = run(
        con,
        tmp_path,
        [
            ("Kamenz", "Bautzen", "10,00"),
            ("Kamenz", "Bautzen", ""),
            ("Kamenz", "Bautzen", "zehn Euro"),
            ("Atlantis", "", "5,00"),
            ("", "", "5,00"),
            ("Kamenz", "Bautzen", "10,00"),  # an identical row is a second operation
        ],
    )
    assert (report.rows, report.accepted, report.rejected) == (6, 2, 4)
    rejects = con.execute(
        "SELECT kind, source_row, reason, detail FROM rejects ORDER BY source_row"
    ).fetchall()
    assert rejects == [
        ("operation", 2, "unparseable_value", "eligible_eur: empty"),
        (
            "operation",
            3,
            "unparseable_value",
            "eligible_eur: zehn Euro is not an amount in German notation",
        ),
        (
            "operation",
            4,
            "no_location",
            "place Atlantis / district - not found in Saxony",
        ),
        ("operation", 5, "no_location", "no place and no district given"),
    ]
    ids = [r[0] for r in con.execute("SELECT operation_id FROM operations").fetchall()]
    assert len(set(ids)) == 2 and ids[1] == ids[0] + "-2"


def test_operation_id_is_stable_across_imports_and_notations(con, tmp_path):
    run(con, tmp_path, [("Kamenz", "Bautzen", "1.500,00")], name="a_esf.csv")
    first = con.execute("SELECT operation_id FROM operations").fetchone()[0]
    con.execute("DELETE FROM operations; DELETE FROM operation_sources")
    run(con, tmp_path, [("Kamenz", "Bautzen", "1,500.00")], name="b_esf.csv")
    assert con.execute("SELECT operation_id FROM operations").fetchone()[0] == first


# --- file variants, fund and source ----------------------------------------------


def test_xlsx_with_numbered_headers(con, tmp_path):
    path = tmp_path / "Liste_der_Vorhaben_EFRE_2021-2027_Stand_31.12.2023.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    # numbered headers as authorities write them, with and without a space
    ws.append([f"{i}.{' ' * (i % 2)}{h}" for i, h in enumerate(HEADERS.values(), 1)])
    ws.append(
        [
            "Firma GmbH",
            "Halle",
            dt.datetime(2023, 2, 1),
            1580.38,
            0.6,
            "Oelsnitz/Erzgeb., Stadt",
            "Erzgebirgskreis",
        ]
    )
    ws.append(
        [
            "Verein e. V.",
            "Kurs",
            dt.datetime(2024, 5, 6),
            3000,
            0.6,
            "Neustadt i. Sa., Stadt",
            "Sächsische Schweiz-Osterzgebirge",
        ]
    )
    wb.save(path)
    import_operations(con, [path], None, tmp_path)
    rows = con.execute(
        "SELECT name, beneficiary, start_date, eligible_eur, eu_rate, ags, fund "
        "FROM operations "
        "ORDER BY row_number"
    ).fetchall()
    assert rows == [
        (
            "Halle",
            "Firma GmbH",
            dt.date(2023, 2, 1),
            Decimal("1580.38"),
            60.0,  # rates given as fractions are stored in percent
            "14521450",
            "ERDF",
        ),
        (
            "Kurs",
            "Verein e. V.",
            dt.date(2024, 5, 6),
            Decimal("3000.00"),
            60.0,
            "14628260",
            "ERDF",
        ),
    ]
    assert con.execute(
        "SELECT programme, as_of, citation FROM operation_sources"
    ).fetchall() == [
        (
            "2021–2027",
            dt.date(2023, 12, 31),
            "Liste der Vorhaben EFRE Sachsen 2021–2027, Stand 31.12.2023",
        ),
    ]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        (
            "2016-06-30_Liste_der_Vorhaben_ESF_2014-2020.csv",
            ("ESF", "2014–2020", dt.date(2016, 6, 30)),
        ),
        (
            "Vorhabenliste ESF+ Stand 30.09.2024.xlsx",
            ("ESF Plus", "2021–2027", dt.date(2024, 9, 30)),
        ),
        ("efre_liste_2014_2020_2019-13-45.csv", ("ERDF", "2014–2020", None)),
        ("liste.csv", (None, None, None)),
    ],
)
def test_fund_programme_and_date_from_file_name(name, expected):
    fund = fund_from_name(name)
    assert (fund, programme_from_name(name, fund), as_of_from_name(name)) == expected


def test_fund_flag_and_unknown_fund(con, tmp_path):
    rows = [("Kamenz", "Bautzen", "1,00")]
    run(con, tmp_path, rows, name="vorhaben.csv", fund="ESF Plus")
    assert con.execute("SELECT fund, citation FROM operation_sources").fetchall() == [
        ("ESF Plus", "Liste der Vorhaben ESF Plus Sachsen 2021–2027")
    ]
    with pytest.raises(InputError, match="--fund"):
        run(con, tmp_path, rows, name="vorhaben2.csv")


def test_file_without_amount_column_is_refused(con, tmp_path):
    rows = [
        {
            k: v
            for k, v in row("Kamenz", "Bautzen", "1").items()
            if k != HEADERS["amount"]
        }
    ]
    with pytest.raises(InputError, match="missing eligible_eur"):
        run(con, tmp_path, rows)
    assert con.execute("SELECT count(*) FROM operations").fetchone() == (0,)


def test_demo_build_holds_the_real_esf_list(demo_db):
    with connect(demo_db, read_only=True) as con:
        assert con.execute(
            "SELECT count(*), sum(eligible_eur) FROM operations"
        ).fetchone() == (5748, Decimal("177076396.59"))
        assert con.execute("SELECT source_file FROM operation_sources").fetchall() == [
            (ESF_LIST,)
        ]


@pytest.mark.parametrize(
    ("lang", "invented", "real"),
    [
        (
            "de",
            "Erfunden sind die Initiativen und Veranstaltungen",
            ("Grenzen", "Einwohnerzahlen", "Siedlungstypen", "ESF-Vorhaben"),
        ),
        (
            "en",
            "the initiatives and events are invented",
            ("boundaries", "population", "settlement types", "ESF operations"),
        ),
    ],
)
def test_demo_notice_says_what_is_invented_and_what_is_real(lang, invented, real):
    notice = t("demo.notice", lang)
    assert invented in notice
    assert all(word in notice.split(invented)[1] for word in real)


def test_cli_build_with_operations(tmp_path, capsys):
    reference_raw()
    path = write_csv(tmp_path / "vorhaben.csv", [row("Bernsdorf", "Zwickau", "7,5")])
    db = tmp_path / "cli.duckdb"
    assert (
        cli_main(
            ["build", "--operations", str(path), "--fund", "ERDF", "--db", str(db)]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "input operation  vorhaben.csv: 1 rows" in out
    assert "operations placed: 1 municipality" in out
    with duckdb.connect(str(db), read_only=True) as c:
        assert c.execute(
            "SELECT fund, ags, eligible_eur FROM operations"
        ).fetchall() == [("ERDF", "14524010", Decimal("7.50"))]


def test_csv_with_numbered_headers(con, tmp_path):
    # a CSV's rows are numbered through a view: the renamed headers reach it too
    path = tmp_path / "liste_esf.csv"
    header = ";".join(f"{i}. {h}" for i, h in enumerate(HEADERS.values(), 1))
    lines = [
        "Träger e. V.;Kurs A;01.02.2023;1.500,00;60;Kamenz, Stadt;Bautzen",
        "Verein e. V.;Kurs B;06.05.2024;2.000,50;60;Görlitz, Stadt;Görlitz",
    ]
    path.write_text("\n".join([header, *lines]) + "\n", encoding="utf-8")
    import_operations(con, [path], None, tmp_path)
    assert con.execute(
        "SELECT row_number, name, beneficiary, eligible_eur, ags FROM operations "
        "ORDER BY row_number"
    ).fetchall() == [
        (1, "Kurs A", "Träger e. V.", Decimal("1500.00"), "14625250"),
        (2, "Kurs B", "Verein e. V.", Decimal("2000.50"), "14626110"),
    ]
