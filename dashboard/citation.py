"""Suggested citation and data version (build time, input checksums) of a build.

Pure functions of the ``etl_runs`` record and the language: the Methodik page,
every download's data dictionary and the exports use the same words.
"""

from __future__ import annotations

from dashboard.texts import t

__all__ = ["citation", "data_version", "dictionary_notes"]

SHORT_HASH = 12  # characters of a SHA-256 shown; the full value is in the record


def _built(run: dict | None) -> str:
    """Build time as ``YYYY-MM-DD HH:MM:SS UTC`` (``–`` without a run)."""
    if not run or run.get("finished_at") is None:
        return "–"
    return f"{str(run['finished_at'])[:19]} UTC"


def _checksums(run: dict | None, full: bool) -> list[str]:
    """``file sha256`` of every reference and input file of the build."""
    files = [(s["file"], s["sha256"]) for s in (run or {}).get("sources") or []]
    files += [
        (item.get("file", ""), item["sha256"])
        for item in (run or {}).get("inputs") or []
        if item.get("sha256")
    ]
    return [
        f"{name} {digest if full else digest[:SHORT_HASH]}" for name, digest in files
    ]


def data_version(run: dict | None, lang: str, full: bool = False) -> str:
    """Build time, run id and the input checksums in one line."""
    sums = "; ".join(_checksums(run, full)) or "–"
    run_id = (run or {}).get("run_id") or "–"
    return t("cite.version", lang, built=_built(run), run_id=run_id, sums=sums)


def citation(run: dict | None, lang: str) -> str:
    """The suggested citation of the atlas with its data version."""
    run_id = (run or {}).get("run_id") or "–"
    return t("cite.text", lang, built=_built(run), run_id=run_id)


def dictionary_notes(run: dict | None, lang: str) -> list[tuple[str, str]]:
    """Rows for a download's data dictionary: citation, version, each source."""
    notes = [
        (t("cite.name", lang), citation(run, lang)),
        (t("cite.version_name", lang), data_version(run, lang, full=True)),
    ]
    for source in (run or {}).get("sources") or []:
        notes.append(
            (
                source["file"],
                t(
                    "cite.source",
                    lang,
                    url=source["url"],
                    retrieved=source["retrieved"],
                    sha=source["sha256"],
                ),
            )
        )
    return notes
