"""DuckDB macros that parse and normalise imported text values, set-based."""

from __future__ import annotations

import duckdb

MACROS = r"""
-- replace only where a control character is (a match is cheaper than a replace)
CREATE OR REPLACE TEMP MACRO sinn_text(s) AS nullif(trim(CASE
    WHEN regexp_matches(s, '[[:cntrl:]]')
    THEN regexp_replace(s, '[[:cntrl:]]+', ' ', 'g') ELSE s END), '');
CREATE OR REPLACE TEMP MACRO sinn_given(s) AS s IS NOT NULL AND trim(s) <> '';
-- plain numbers cast directly; decimal commas and padding take the second try
CREATE OR REPLACE TEMP MACRO sinn_coord(s) AS coalesce(
    try_cast(s AS DOUBLE), try_cast(replace(trim(s), ',', '.') AS DOUBLE));
CREATE OR REPLACE TEMP MACRO sinn_amount(s) AS try_cast(
    CASE WHEN regexp_replace(s, '[\s€]', '', 'g') LIKE '%,%'
         THEN replace(replace(regexp_replace(s, '[\s€]', '', 'g'), '.', ''), ',', '.')
         ELSE regexp_replace(s, '[\s€]', '', 'g') END AS DOUBLE);
CREATE OR REPLACE TEMP MACRO sinn_excel_date(s) AS CASE
    WHEN regexp_full_match(trim(s), '\d{5}(\.0+)?')
         AND try_cast(trim(s) AS DOUBLE) BETWEEN 20000 AND 80000
    THEN DATE '1899-12-30' + CAST(floor(try_cast(trim(s) AS DOUBLE)) AS INTEGER) END;
CREATE OR REPLACE TEMP MACRO sinn_date(s) AS coalesce(
    CAST(try_strptime(trim(s), '%Y-%m-%d') AS DATE),
    CAST(try_strptime(trim(s), '%d.%m.%Y') AS DATE),
    CAST(try_strptime(left(trim(s), 19), '%Y-%m-%dT%H:%M:%S') AS DATE),
    CAST(try_strptime(left(trim(s), 19), '%Y-%m-%d %H:%M:%S') AS DATE),
    sinn_excel_date(s));
CREATE OR REPLACE TEMP MACRO sinn_year(s) AS CASE
    WHEN regexp_full_match(trim(s), '\d{4}(\.0+)?')
        THEN CAST(left(trim(s), 4) AS INTEGER)
    ELSE year(sinn_date(s)) END;
CREATE OR REPLACE TEMP MACRO sinn_int(s) AS CASE
    WHEN regexp_full_match(trim(s), '\d{1,9}(\.0+)?')
    THEN CAST(split_part(trim(s), '.', 1) AS INTEGER) END;
-- Visibility, strict: only known yes/no words; anything else is NULL (rejected).
-- An empty cell takes the file's default (public, or private in an "x" column).
CREATE OR REPLACE TEMP MACRO sinn_public(s, if_empty) AS CASE
    WHEN NOT sinn_given(s) THEN if_empty
    WHEN regexp_replace(lower(trim(s)), '[\s_\-]+', ' ', 'g') IN (
        '1', 'true', 'wahr', 'ja', 'j', 'yes', 'y', 'x', '✓', '✔', '☑', 'öffentlich',
        'oeffentlich', 'public', 'sichtbar', 'visible', 'veröffentlicht',
        'veroeffentlicht', 'veröffentlichen', 'published', 'freigegeben') THEN TRUE
    WHEN regexp_replace(lower(trim(s)), '[\s_\-]+', ' ', 'g') IN (
        '0', 'false', 'falsch', 'nein', 'n', 'no', 'intern', 'privat', 'private',
        'nicht öffentlich', 'nicht oeffentlich', 'not public', 'unsichtbar', 'hidden',
        'versteckt', 'nicht sichtbar', 'unveröffentlicht', 'nicht veröffentlichen',
        'nicht freigegeben', 'entwurf', 'draft', 'vertraulich') THEN FALSE END;
-- Marks of a checkbox column ("x" = yes, empty = no).
CREATE OR REPLACE TEMP MACRO sinn_checkmark(s) AS
    lower(trim(s)) IN ('x', '✓', '✔', '☑');
-- A CSV cell a spreadsheet will not run as a formula.
CREATE OR REPLACE TEMP MACRO sinn_csv_cell(s) AS CASE
    WHEN left(s, 1) IN ('=', '+', '-', '@', chr(9), chr(13)) THEN '''' || s ELSE s END;
CREATE OR REPLACE TEMP MACRO sinn_url(s) AS CASE
    WHEN regexp_full_match(trim(s), '(?i)https?://[^\s<>"]+') THEN trim(s) END;
CREATE OR REPLACE TEMP MACRO sinn_key(s) AS nullif(regexp_replace(
    replace(replace(replace(replace(lower(
        regexp_replace(split_part(trim(s), ',', 1), '(?i)^(stadt|gemeinde)\s+', '')),
        'ä', 'ae'), 'ö', 'oe'), 'ü', 'ue'), 'ß', 'ss'),
    '[^a-z0-9]', '', 'g'), '');
CREATE OR REPLACE TEMP MACRO sinn_key_plain(s) AS nullif(regexp_replace(
    strip_accents(replace(lower(
        regexp_replace(split_part(trim(s), ',', 1), '(?i)^(stadt|gemeinde)\s+', '')),
        'ß', 'ss')),
    '[^a-z0-9]', '', 'g'), '');
CREATE OR REPLACE TEMP MACRO sinn_district_key(s) AS sinn_key(regexp_replace(trim(s),
    '(?i)^(landkreis|kreisfreie stadt|kreis|lkr?\.?|stadt)\s+', ''));
CREATE OR REPLACE TEMP MACRO sinn_ags(s) AS CASE
    WHEN regexp_full_match(regexp_replace(s, '\s', '', 'g'), '\d{12}')
        THEN substr(regexp_replace(s, '\s', '', 'g'), 1, 5)
             || substr(regexp_replace(s, '\s', '', 'g'), 10, 3)
    WHEN regexp_full_match(regexp_replace(s, '\s', '', 'g'), '\d{7,8}')
        THEN lpad(regexp_replace(s, '\s', '', 'g'), 8, '0') END;
CREATE OR REPLACE TEMP MACRO sinn_plz(s) AS CASE
    WHEN regexp_full_match(regexp_replace(s, '\s', '', 'g'), '\d{4,5}(\.0+)?')
    THEN lpad(split_part(regexp_replace(s, '\s', '', 'g'), '.', 1), 5, '0') END;
"""


def install_macros(con: duckdb.DuckDBPyConnection) -> None:
    """Create the parsing macros on ``con`` (temporary, per connection)."""
    con.execute(MACROS)
