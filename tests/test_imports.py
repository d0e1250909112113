"""Imports follow the data flow: geo ← sinn ← etl / dashboard, never back."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PROJECT = {"geo", "sinn", "etl", "dashboard", "tests", "bench"}
# package -> top-level names it must not import
FORBIDDEN = {
    "geo": PROJECT - {"geo"} | {"streamlit"},
    "sinn": PROJECT - {"sinn"} | {"streamlit"},
    "etl": {"dashboard", "tests", "bench", "streamlit"},
    "dashboard": {"etl", "tests", "bench"},
    "bench": {"tests"},
}


def imported_roots(path: Path) -> set[str]:
    """Top-level package names imported anywhere in a module (also in functions)."""
    roots = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            roots.add(node.module.split(".")[0])
    return roots


def test_parser_sees_nested_imports(tmp_path: Path) -> None:
    """The walk finds imports inside functions, not only at the top."""
    module = tmp_path / "m.py"
    module.write_text("import os\ndef f():\n    from etl.build import build\n")
    assert imported_roots(module) == {"os", "etl"}


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_import_rules(package: str) -> None:
    """No module of ``package`` imports what lies downstream of it."""
    files = sorted((ROOT / package).rglob("*.py"))
    assert files
    broken = {
        str(f.relative_to(ROOT)): sorted(imported_roots(f) & FORBIDDEN[package])
        for f in files
    }
    assert {f: names for f, names in broken.items() if names} == {}


def test_static_export_does_not_load_streamlit(demo_db: Path, tmp_path: Path) -> None:
    """Importing the map builder and running the export never imports Streamlit."""
    out = tmp_path / "map.html"
    script = (
        "import sys\n"
        "import dashboard.choropleth, dashboard.planning_map, dashboard.export_map\n"
        "assert 'streamlit' not in sys.modules, 'import'\n"
        f"code = dashboard.export_map.main(['--db', {str(demo_db)!r}, "
        f"'--out', {str(out)!r}, '--lang', 'en'])\n"
        "assert code == 0 and 'streamlit' not in sys.modules, 'export'\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT
    )
    assert run.returncode == 0, run.stderr
    assert "Demo data" in out.read_text(encoding="utf-8")


def test_export_cli_replaces_etl_subcommand(demo_db: Path, tmp_path: Path) -> None:
    """``python -m dashboard.export_map`` writes the map; ``etl export-map`` is gone."""
    out = tmp_path / "embed" / "karte.html"
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "dashboard.export_map",
            "--db",
            str(demo_db),
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == f"wrote {out}" and out.stat().st_size > 100_000
    old = subprocess.run(
        [sys.executable, "-m", "etl", "export-map"],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert old.returncode == 2 and "invalid choice: 'export-map'" in old.stderr
