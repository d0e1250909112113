"""District report (Kreisdossier): figures in the PDF text, rendering, all 13, CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from sinn.db import connect

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.skipif(
    not all(Path(f"/usr/bin/{tool}").exists() for tool in ("pdftotext", "pdftoppm")),
    reason="poppler-utils missing (installed by .ci/run)",
)


def run_report(*args: str) -> subprocess.CompletedProcess:
    """``python -m dashboard.report`` in a fresh interpreter; checks its imports."""
    code = (
        "import sys; from dashboard.report import main; code = main(sys.argv[1:]); "
        "bad = [m for m in sys.modules if m.split('.')[0] in ('streamlit', 'etl')]; "
        "assert not bad, bad; sys.exit(code)"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, env=env
    )


def de(value: float, decimals: int = 0) -> str:
    """A number as the German report writes it."""
    text = f"{value:,.{decimals}f}"
    return text.translate(str.maketrans(",.", ".,"))


def expected(db: Path, ars: str) -> dict:
    """The report's figures computed here, straight from the tables."""
    with connect(db, read_only=True) as con:
        pop, pop_all = con.execute(
            """SELECT sum(population) FILTER (WHERE district_ars = ?),
                      sum(population) FROM municipalities""",
            [ars],
        ).fetchone()
        n, n_all = con.execute(
            """SELECT count(*) FILTER (WHERE district_ars = ?), count(*)
               FROM initiatives WHERE public""",
            [ars],
        ).fetchone()
        events, participants = con.execute(
            """SELECT count(*), coalesce(sum(participants), 0) FROM events
               WHERE public AND district_ars = ?""",
            [ars],
        ).fetchone()
        # population whose municipality centroid lies > 15 km from every initiative
        far = con.execute(
            """WITH d AS (
                   SELECT m.ags, m.district_ars, m.population,
                          min(sqrt(pow(m.centroid_x - i.x, 2)
                                   + pow(m.centroid_y - i.y, 2))) AS metres
                   FROM municipalities m, initiatives i WHERE i.public
                   GROUP BY ALL)
               SELECT sum(population) FILTER (WHERE district_ars = ?
                                              AND metres > 15000)
               FROM d""",
            [ars],
        ).fetchone()[0]
        has_money = (
            con.execute(
                """SELECT count(*) FROM information_schema.tables
                   WHERE table_name = 'funding_facts'"""
            ).fetchone()[0]
            == 1
        )
        money = None
        if has_money:
            money = con.execute(
                "SELECT sum(eligible_eur) FROM operations WHERE district_ars = ?",
                [ars],
            ).fetchone()[0]
    out = {
        "pop": pop,
        "initiatives": n,
        "per_100k": n * 1e5 / pop,
        "lq": (n / n_all) / (pop / pop_all),
        "events": events,
        "participants": participants,
        "far": far or 0,
        "far_share": (far or 0) / pop * 100,
        "money": None if money is None else float(money),
    }
    return out


def pdf_text(path: Path) -> str:
    """The PDF's text with its layout (rows stay on one line)."""
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def row(text: str, label: str) -> list[str]:
    """The value columns of the key figure row that starts with ``label``."""
    for line in text.splitlines():
        if line.strip().startswith(label):
            return line.strip()[len(label) :].split()
    raise AssertionError(f"no row {label!r} in:\n{text}")


def build_version(db: Path) -> tuple[str, str, list[str]]:
    """Run id, build time (``YYYY-MM-DD HH:MM:SS``) and the 12-character prefixes
    of the reference files' SHA-256 of the database's latest build."""
    with connect(db, read_only=True) as con:
        run_id, finished, sources = con.execute(
            """SELECT run_id, strftime(finished_at, '%Y-%m-%d %H:%M:%S'), sources
               FROM etl_runs ORDER BY started_at DESC LIMIT 1"""
        ).fetchone()
    return run_id, finished, [s["sha256"][:12] for s in json.loads(sources)]


def flat(text: str) -> str:
    """The PDF text with line breaks and layout spaces as single spaces."""
    return " ".join(text.split())


# Citation and data version as the report writes them: {built}, {run} filled in.
CITED = {
    "de": (
        "Zitiervorschlag: SINN-Atlas – Soziale Innovation in Sachsen, "
        "Datenstand {built} UTC (Lauf {run}).",
        "Datenversion: ",
        "Build {built} UTC, Lauf {run}; SHA-256 der ",
    ),
    "en": (
        "Suggested citation: SINN Atlas – Social innovation in Saxony, "
        "data as of {built} UTC (run {run}).",
        "Data version: ",
        "build {built} UTC, run {run}; SHA-256 of the ",
    ),
}


def assert_cited(text: str, db: Path, lang: str) -> None:
    """The report's sources name the build: citation, run id, checksum prefixes."""
    run_id, built, sums = build_version(db)
    assert len(sums) == 5  # boundaries, Zensus, GV-ISys, postal codes, ESF list
    citation, version_label, version = CITED[lang]
    assert citation.format(built=built, run=run_id) in flat(text)
    shown = flat(text).split(version_label)[1]
    assert shown.startswith(version.format(built=built, run=run_id))
    assert all(f" {prefix}" in shown for prefix in sums)


@pytest.fixture(scope="module")
def reports(demo_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """All 13 reports of the demo database, written by the command line."""
    out = tmp_path_factory.mktemp("reports")
    result = run_report("--all", "--out", str(out), "--db", str(demo_db))
    assert result.returncode == 0, result.stderr
    return out


def test_all_13_reports_build_with_one_or_two_pages(
    reports: Path, demo_db: Path
) -> None:
    with connect(demo_db, read_only=True) as con:
        keys = [
            r[0]
            for r in con.execute("SELECT ars FROM districts ORDER BY ars").fetchall()
        ]
    files = sorted(reports.glob("*.pdf"))
    assert [f.name for f in files] == [f"kreisdossier_{k}.pdf" for k in keys]
    for file in files:
        info = subprocess.run(
            ["pdfinfo", str(file)], capture_output=True, text=True, check=True
        ).stdout
        pages = int(next(x for x in info.splitlines() if x.startswith("Pages:"))[6:])
        assert pages in (1, 2), (file.name, pages)


@pytest.mark.parametrize(
    ("ars", "name"), [("14612", "Dresden"), ("14730", "Nordsachsen")]
)
def test_figures_in_pdf_text_equal_database(
    reports: Path, demo_db: Path, ars: str, name: str
) -> None:
    text = pdf_text(reports / f"kreisdossier_{ars}.pdf")
    want = expected(demo_db, ars)
    assert f"Kreisdossier {name}" in text
    assert f"{de(want['pop'])} Einwohner (Zensus 2022)" in text
    assert row(text, "SINN-Initiativen")[0] == de(want["initiatives"])
    assert row(text, "Initiativen je 100.000 Einwohner")[0] == de(want["per_100k"], 2)
    assert row(text, "Standortquotient (LQ, Sachsen = 1)")[:2] == [
        de(want["lq"], 2),
        "1,00",
    ]
    assert row(text, "Veranstaltungen")[0] == de(want["events"])
    assert row(text, "Teilnehmende")[0] == de(want["participants"])
    far = row(text, "Einwohner > 15 km von der nächsten Initiative")
    assert far[:2] == [de(want["far"]), f"({de(want['far_share'], 1)}"]
    if want["money"] is None:
        assert "ESF-Förderdaten sind in dieser Datenbank nicht geladen" in text
    else:
        per_inhabitant = row(text, "ESF: EUR je Einwohner")
        assert per_inhabitant[0] == de(want["money"] / want["pop"], 2)
        assert row(text, "ESF: förderfähige Ausgaben (EUR)")[0] == de(want["money"])
    assert "© GeoBasis-DE / BKG 2021 (Daten verändert)" in text
    assert "Demo-Daten:" in text  # the demo build holds demo initiatives
    assert_cited(text, demo_db, "de")


def test_dresden_money_matches_the_operations_contract(
    reports: Path, demo_db: Path
) -> None:
    want = expected(demo_db, "14612")
    if want["money"] is None:
        pytest.skip("database without ESF operations (ops branch not merged)")
    assert want["money"] == 41_743_956.57
    text = pdf_text(reports / "kreisdossier_14612.pdf")
    assert row(text, "ESF: förderfähige Ausgaben (EUR)")[0] == "41.743.957"


def test_page_renders_not_blank_and_fonts_embedded(reports: Path, tmp_path) -> None:
    pdf = reports / "kreisdossier_14730.pdf"
    subprocess.run(
        [
            "pdftoppm",
            "-r",
            "40",
            "-gray",
            "-png",
            "-singlefile",
            str(pdf),
            str(tmp_path / "page"),
        ],
        check=True,
    )
    pixels = np.asarray(Image.open(tmp_path / "page.png"))
    assert pixels.shape[0] > pixels.shape[1]  # portrait A4
    assert (pixels < 200).mean() > 0.03  # text, table and a map, not a white page
    fonts = subprocess.run(
        ["pdffonts", str(pdf)], capture_output=True, text=True, check=True
    ).stdout.splitlines()[2:]
    assert fonts and all(line.split()[-5] == "yes" for line in fonts), fonts


def test_english_and_refusals(demo_db: Path, tmp_path: Path) -> None:
    out = tmp_path / "en.pdf"
    result = run_report(
        "14730", "--out", str(out), "--lang", "en", "--db", str(demo_db)
    )
    assert result.returncode == 0, result.stderr
    text = pdf_text(out)
    assert "District report Nordsachsen" in text
    assert "Demo data:" in text
    assert_cited(text, demo_db, "en")
    bad = run_report("99999", "--out", str(out), "--db", str(demo_db))
    assert bad.returncode == 2
    assert "unknown district ARS '99999'" in bad.stderr
    missing = run_report("14612", "--out", str(out), "--db", str(tmp_path / "no.db"))
    assert missing.returncode == 2 and "not found" in missing.stderr


def test_report_bytes_in_memory(
    demo_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The download button's PDF: bytes in memory, no file written anywhere."""
    from dashboard.report import report_bytes

    monkeypatch.chdir(tmp_path)
    with connect(demo_db, read_only=True) as con:
        pdf = report_bytes(con, "14612", "en")
    assert pdf.startswith(b"%PDF-") and pdf.rstrip().endswith(b"%%EOF")
    assert list(tmp_path.iterdir()) == []
    (tmp_path / "x.pdf").write_bytes(pdf)
    assert "District report Dresden" in pdf_text(tmp_path / "x.pdf")
