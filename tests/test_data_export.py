"""The dataframe toolbar cannot export raw cells (issue 13.4)."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_config_disables_dataframe_export() -> None:
    """The app's config switches off st.dataframe's CSV download and copy."""
    with (ROOT / ".streamlit" / "config.toml").open("rb") as fh:
        assert tomllib.load(fh)["client"]["disableDataExport"] is True


def test_streamlit_reads_the_option_from_the_app_folder() -> None:
    """Streamlit started from the project root (as ``make run``) has it on."""
    script = (
        "import streamlit.config as c\n"
        "c.get_config_options(force_reparse=True)\n"
        "print(c.get_option('client.disableDataExport'))\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "True"
