"""Header → canonical column mapping: aliases, the ``--columns`` map, refusals.

A file is mapped once, before any row is imported. A file whose required fields
(a name and at least one location field) or whose visibility column cannot be
recognised is refused as a whole with a message naming the headers found, the
fields missing and the closest header for each.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from etl.ingest import InputError
from etl.schema import (
    EVENT_ALIASES,
    INITIATIVE_ALIASES,
    LOCATING_FIELDS,
    alias_lookup,
    alias_rank,
    normalise_header,
)

ALIASES: dict[str, dict[str, tuple[str, ...]]] = {
    "initiative": INITIATIVE_ALIASES,
    "event": EVENT_ALIASES,
}
#: Every field of every kind, to find a header row before the kind is known.
ALL_ALIASES = {k: v for aliases in ALIASES.values() for k, v in aliases.items()}
#: Key of the column map listing headers kept as extra data on purpose.
KEEP_KEY = "extra"
# Words that mark a header as being about visibility (on the folded, spaced text).
_VISIBILITY_WORDS = re.compile(
    r"\b(?:nicht\s*)?oeffentlich(?!keit)|\bis\s*public|\bpublic\b|\bpublish"
    r"|\bsichtbar|\bvisib|\bveroeffentlich|\bprivat|\bintern\b|\bhidden\b"
    r"|\bversteckt|\bfreigabe\b|\bfreigegeben|\bvertraulich"
)
_FOLD = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})


class HeaderError(InputError):
    """A file's headers do not allow a safe import; nothing of it is imported."""

    def __init__(self, message: str, mapping: HeaderMap) -> None:
        super().__init__(message)
        self.mapping = mapping


@dataclass(frozen=True)
class ColumnMap:
    """User column map from ``--columns FILE``: field → header spellings."""

    fields: dict[str, tuple[str, ...]] = field(default_factory=dict)
    keep: tuple[str, ...] = ()
    source: str = ""


@dataclass(frozen=True)
class HeaderMap:
    """How one file's headers map to canonical fields."""

    headers: list[str]
    fields: dict[str, str]
    extra: list[str]
    by_user: frozenset[str]

    def how(self, header: str) -> str:
        """Where ``header`` goes: a field (and why) or extra."""
        for name, found in self.fields.items():
            if found == header:
                via = "--columns" if name in self.by_user else "alias"
                return f"{name} ({via})"
        return "extra (kept as data)"


def load_column_map(path: Path | None) -> ColumnMap:
    """Read a TOML column map (``name = "Titel der Maßnahme"``); empty without one."""
    if path is None:
        return ColumnMap()
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise InputError(f"column map {path}: cannot be read ({exc})") from exc
    known = {f for aliases in ALIASES.values() for f in aliases}
    fields: dict[str, tuple[str, ...]] = {}
    keep: tuple[str, ...] = ()
    for key, value in data.items():
        values = [value] if isinstance(value, str) else value
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            raise InputError(
                f"column map {path}: {key} must be a header or a list of headers"
            )
        if key == KEEP_KEY:
            keep = tuple(values)
        elif key in known:
            fields[key] = tuple(values)
        else:
            raise InputError(
                f"column map {path}: unknown field {key!r}; known fields: "
                f"{', '.join(sorted(known))}, and {KEEP_KEY} = [headers kept as data]"
            )
    return ColumnMap(fields, keep, str(path))


def map_headers(
    headers: list[str], kind: str, columns: ColumnMap | None = None
) -> HeaderMap:
    """Map ``headers`` to the fields of ``kind``: the user map first, then aliases."""
    aliases = ALIASES[kind]
    columns = columns or ColumnMap()
    keys = [normalise_header(h) for h in headers]
    chosen: dict[str, str] = {}
    by_user = set()
    for name, wanted in columns.fields.items():
        if name not in aliases:
            continue
        wanted_keys = {normalise_header(w) for w in wanted}
        hits = [h for h, k in zip(headers, keys, strict=True) if k in wanted_keys]
        hit = hits[0] if hits else None
        if hit is not None and hit not in chosen.values():
            chosen[name] = hit
            by_user.add(name)
    kept = {normalise_header(k) for k in columns.keep}
    lookup, rank = alias_lookup(aliases), alias_rank(aliases)
    best: dict[str, tuple[int, str]] = {}
    for header, key in zip(headers, keys, strict=True):
        name = lookup.get(key)
        if name is None or name in chosen or key in kept or header in chosen.values():
            continue
        if name not in best or rank[key] < best[name][0]:
            best[name] = (rank[key], header)
    chosen.update({name: header for name, (_, header) in best.items()})
    used = set(chosen.values())
    return HeaderMap(
        headers=list(headers),
        fields={name: chosen[name] for name in aliases if name in chosen},
        extra=[h for h in headers if h not in used],
        by_user=frozenset(by_user),
    )


def _closest(
    fields: tuple[str, ...], mapping: HeaderMap, aliases: Mapping[str, tuple[str, ...]]
) -> tuple[str, str] | None:
    """(field, unmapped header) most similar to any spelling of ``fields``."""
    scored = [
        (difflib.SequenceMatcher(None, normalise_header(h), spelling).ratio(), h, name)
        for name in fields
        for spelling in {normalise_header(a) for a in aliases[name]}
        for h in mapping.extra
        if normalise_header(h)
    ]
    ratio, header, name = max(scored, default=(0.0, "", ""))
    return (name, header) if ratio >= 0.5 else None


def _missing_line(
    label: str,
    fields: tuple[str, ...],
    mapping: HeaderMap,
    aliases: Mapping[str, tuple[str, ...]],
) -> str:
    """``name: not found; closest header 'X'; map it with --columns``."""
    closest = _closest(fields, mapping, aliases)
    if closest is None:
        hint = "no similar header"
    elif len(fields) == 1:
        hint = f"closest header {closest[1]!r}"
    else:
        hint = f"closest header {closest[1]!r} (for {closest[0]})"
    return f"{label}: not found; {hint}; map it with --columns"


def visibility_like(header: str) -> bool:
    """Whether a header reads like a visibility/publication flag."""
    return bool(_VISIBILITY_WORDS.search(_fold_words(header)))


def _fold_words(header: str) -> str:
    """Lower-case text with umlauts folded and punctuation turned into spaces."""
    return re.sub(r"[^a-z0-9]+", " ", str(header).lower().translate(_FOLD))


def check_headers(
    mapping: HeaderMap, kind: str, file_name: str, columns: ColumnMap | None = None
) -> None:
    """Refuse the file (:class:`HeaderError`) unless it can be imported safely."""
    aliases = ALIASES[kind]
    kept = {normalise_header(k) for k in (columns or ColumnMap()).keep}
    problems = []
    if "name" not in mapping.fields:
        problems.append(_missing_line("name", ("name",), mapping, aliases))
    located = any(f in mapping.fields for f in LOCATING_FIELDS) or {
        "lat",
        "lon",
    } <= set(mapping.fields)
    if not located:
        wanted = tuple(
            f for f in (*LOCATING_FIELDS, "lat", "lon") if f not in mapping.fields
        )
        label = "location (postal_code, city, municipality, ags, or lat + lon)"
        problems.append(_missing_line(label, wanted, mapping, aliases))
    unmapped = [
        h
        for h in mapping.extra
        if visibility_like(h) and normalise_header(h) not in kept
    ]
    if unmapped:
        mapped = mapping.fields.get("public")
        problems.append(
            f"visibility: {', '.join(map(repr, unmapped))} looks like a visibility "
            + (f"column besides {mapped!r}; " if mapped else "column but is not one ")
            + 'the import recognises; map it with --columns (public = "…"), '
            f'or keep it as plain data with {KEEP_KEY} = ["…"]'
        )
    if problems:
        found = ", ".join(repr(h) for h in mapping.headers) or "none"
        raise HeaderError(
            f"{file_name}: refused, no row imported. Headers found: {found}. "
            + " | ".join(problems),
            mapping,
        )
