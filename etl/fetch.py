"""Fetch the reference files into ``data/raw/``: from the mirror, else from the web."""

from __future__ import annotations

import hashlib
import shutil
from dataclasses import dataclass
from pathlib import Path

import requests
from tqdm import tqdm

from sinn import config
from sinn.atomic import atomic_path
from sinn.config import BOUNDARIES_FILE


@dataclass(frozen=True)
class Source:
    """One reference file, its public URL and the checksum of the mirrored bytes."""

    filename: str
    url: str
    sha256: str
    # The official "aktuell" URL serves newer editions whose bytes change.
    pinned: bool = True


_GH = "https://raw.githubusercontent.com"
_GV_BASE = (
    f"{_GH}/grundeinkommensbuero/backend/0c54631f32cbcd537fe8f8ef2904b8b125010e15"
    "/utils/analyseData/recentMunicipalityData/data"
)
SOURCES: tuple[Source, ...] = (
    Source(
        BOUNDARIES_FILE,
        f"https://daten.gdz.bkg.bund.de/produkte/vg/vg5000_0101/aktuell/{BOUNDARIES_FILE}",
        "315dcff48481896d1b505486815d7930425d80bb6cd7ddf754e4a9d3ab2273f4",
        pinned=False,
    ),
    Source(
        "AuszugGV4QAktuell.csv",
        f"{_GV_BASE}/AuszugGV4QAktuell.csv",
        "34aa727cfd2f7f042852476c1fe0865623c23b8f2a6108976b3e1692d8d0ca30",
    ),
    Source(
        "zensus2022_gemeinden.parquet",
        f"{_GH}/curiousleo/mastr-export/073e0c06704bf64a207baee212f2459e1ac24af4"
        "/mastr_export/static_data/zensus2022.parquet",
        "427054f70c0dd445a2651e2ddfb7a8fa119ab6a79a8913adb8588ded0002b857",
    ),
    Source(
        "zuordnung_plz_ort_landkreis.csv",
        f"{_GV_BASE}/zuordnung_plz_ort_landkreis.csv",
        "a31036801eb02e8f4225f16b3a9e87abdc8e2faa26b7ee957b9c129e2825a167",
    ),
    Source(
        "2016-06-30_Liste_der_Vorhaben_ESF_2014-2020.csv",
        f"{_GH}/os-data/eu-structural-funds/6ffe5ddb2610077f0eb4bed0cf110618c55dcd12"
        "/data/DE.germany/DED.sachsen/ESF%202014-2020"
        "/2016-06-30_Liste_der_Vorhaben_ESF_2014-2020.csv",
        "019c210f661c57f7c768edcb910ef5381b79a2a944eb990257a2ef8fbe7fcf1d",
    ),
)


class FetchError(RuntimeError):
    """A reference file could be neither copied nor downloaded."""


def sha256(path: Path) -> str:
    """Hex SHA-256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _mirror_sums(mirror: Path) -> dict[str, str]:
    """Checksums listed in the mirror's SHA256SUMS (empty when absent)."""
    sums_file = mirror / "SHA256SUMS"
    if not sums_file.is_file():
        return {}
    pairs = (
        line.split() for line in sums_file.read_text().splitlines() if line.strip()
    )
    return {name.lstrip("*"): digest for digest, name in pairs}


def _copy(src: Path, target: Path, expected: str) -> None:
    """Copy ``src`` to ``target`` via a temporary file, verifying the checksum."""
    with atomic_path(target) as tmp:
        shutil.copyfile(src, tmp)
        got = sha256(tmp)
        if got != expected:
            raise FetchError(
                f"{src}: checksum {got} does not match SHA256SUMS {expected}"
            )


def _stream(source: Source, tmp: Path, timeout: float) -> None:
    """Download ``source.url`` into ``tmp`` with a progress bar."""
    try:
        with requests.get(source.url, stream=True, timeout=timeout) as resp:
            resp.raise_for_status()
            total = int(resp.headers.get("content-length", 0)) or None
            with (
                tmp.open("wb") as out,
                tqdm(
                    total=total, unit="B", unit_scale=True, desc=source.filename
                ) as bar,
            ):
                for chunk in resp.iter_content(1 << 16):
                    out.write(chunk)
                    bar.update(len(chunk))
    except requests.RequestException as exc:
        raise FetchError(
            f"{source.filename} is not in the mirror and could not be downloaded "
            f"from {source.url}: {exc}"
        ) from exc


def _download(source: Source, target: Path, timeout: float) -> str:
    """Download ``source`` to ``target``; return a warning or ''."""
    with atomic_path(target) as tmp:
        _stream(source, tmp, timeout)
        got = sha256(tmp)
        warning = ""
        if got != source.sha256:
            if source.pinned:
                raise FetchError(
                    f"{source.filename} from {source.url} has checksum {got}, "
                    f"expected {source.sha256}"
                )
            warning = (
                f"{source.filename}: newer edition downloaded (checksum {got[:12]}…)"
            )
    return warning


def fetch(
    raw: Path | None = None, mirror: Path | None = None, timeout: float = 30.0
) -> list[str]:
    """Fetch every source into ``raw``; return one status line per file.

    Files already present with the expected checksum are left alone. Raises
    :class:`FetchError` naming the file and its URL when neither the mirror nor
    the download works; no partial file is left behind.
    """
    raw = raw or config.raw_dir()
    mirror = mirror or config.mirror_dir()
    raw.mkdir(parents=True, exist_ok=True)
    sums = _mirror_sums(mirror)
    report = []
    for source in SOURCES:
        target = raw / source.filename
        expected = sums.get(source.filename, source.sha256)
        if target.is_file() and sha256(target) == expected:
            report.append(f"{source.filename}: present, checksum ok")
            continue
        src = mirror / source.filename
        if src.is_file():
            _copy(src, target, expected)
            report.append(f"{source.filename}: copied from {mirror}")
            continue
        warning = _download(source, target, timeout)
        report.append(warning or f"{source.filename}: downloaded from {source.url}")
    return report
