"""The one translation table of the UI (German default, English) and number formats."""

from __future__ import annotations

import math
from collections.abc import Callable

import streamlit as st

from dashboard import funding_texts

LANGUAGES = ("de", "en")
DEFAULT_LANGUAGE = "de"
LANG_KEY = "lang"  # session-state key of the language widget and URL parameter
NOTICES_KEY = "_url_notices"  # invalid URL parameters, shown by filters.show_notices

# key -> (German, English). One line per key so that additions are simple edits;
# placeholders use str.format names.
# fmt: off
TEXT: dict[str, tuple[str, str]] = {
    # app shell
    "app.title": ("SINN-Atlas", "SINN Atlas"),
    "app.subtitle": ("Soziale Innovation in Sachsen", "Social innovation in Saxony"),
    "nav.karte": ("Karte", "Map"),
    "nav.regionen": ("Regionen", "Regions"),
    "nav.daten": ("Daten", "Data"),
    "nav.planung": ("Planung", "Planning"),
    "nav.methodik": ("Methodik & Quellen", "Methods & sources"),
    "lang.label": ("Sprache / Language", "Sprache / Language"),
    "demo.notice": ("**Demo-Daten:** Erfunden sind die Initiativen und Veranstaltungen (Beispieldaten aus einem Generator, keine echten SINN-Daten). Echt sind die Grenzen der Gemeinden und Landkreise, die Einwohnerzahlen, die Siedlungstypen und die ESF-Vorhaben (Liste der Vorhaben ESF Sachsen 2014–2020, Stand 30.06.2016).", "**Demo data (Demo-Daten):** the initiatives and events are invented (sample data from a generator, not real SINN data). Real are the boundaries of municipalities and districts, the population figures, the settlement types and the ESF operations (Liste der Vorhaben ESF Sachsen 2014–2020, as of 30 June 2016)."),
    "demo.caption": ("Demo-Daten – keine echten SINN-Daten", "Demo data – not real SINN data"),
    "param.invalid": ("Ungültiger URL-Parameter `{name}={value}` wurde ignoriert.", "Invalid URL parameter `{name}={value}` was ignored."),
    # filters
    "filters.header": ("Filter", "Filters"),
    "filters.theme": ("Themenfeld", "Theme"),
    "filters.partner": ("SINN-Partner", "SINN partner"),
    "filters.stage": ("Phase", "Stage"),
    "filters.years": ("Startjahr bzw. Veranstaltungsjahr", "Start year or event year"),
    "filters.settlement": ("Siedlungstyp", "Settlement type"),
    "filters.district": ("Landkreis / Kreisfreie Stadt", "District"),
    "filters.events": ("Veranstaltungen anzeigen", "Show events"),
    "filters.all": ("alle", "all"),
    "filters.reset": ("Filter zurücksetzen", "Reset filters"),
    "filters.share": ("Die Filter stehen in der Adresse dieser Seite: Link kopieren, um die Ansicht zu teilen.", "The filters are part of this page's address: copy the link to share the view."),
    "filters.empty": ("Für diese Filter gibt es keine Initiativen oder Veranstaltungen. Bitte Filter lockern oder zurücksetzen.", "No initiatives or events match these filters. Please widen or reset the filters."),
    "degurba.1": ("städtisch", "urban"),
    "degurba.2": ("mittel", "intermediate"),
    "degurba.3": ("ländlich", "rural"),
    # key figures
    "kpi.initiatives": ("Initiativen", "Initiatives"),
    "kpi.events": ("Veranstaltungen", "Events"),
    "kpi.participants": ("Teilnehmende", "Participants"),
    "kpi.municipalities_reached": ("Erreichte Gemeinden", "Municipalities reached"),
    "kpi.of": ("{n} von {total}", "{n} of {total}"),
    "kpi.population_reached": ("Einwohner in Gemeinden mit Initiative", "Population in municipalities with an initiative"),
    "kpi.rural_share": ("Ländlich: Anteil Initiativen / Bevölkerung", "Rural: share of initiatives / population"),
    "kpi.rural_share_help": ("Anteil der Initiativen in ländlichen Gemeinden neben dem Anteil der Bevölkerung, der dort lebt. Die Differenz ist die Lücke in Prozentpunkten.", "Share of initiatives in rural municipalities next to the share of the population living there. The difference is the gap in percentage points."),
    "kpi.gap": ("Lücke {gap} Pp.", "gap {gap} pp"),
    # indicators and table columns
    "ind.initiatives": ("Anzahl Initiativen", "Number of initiatives"),
    "ind.per_100k": ("Initiativen je 100.000 Einw.", "Initiatives per 100,000 inhabitants"),
    "ind.lq": ("Standortquotient (LQ)", "Location quotient (LQ)"),
    "col.ars": ("Kreisschlüssel", "District key"),
    "col.ags": ("Gemeindeschlüssel", "Municipality key"),
    "col.id": ("ID", "ID"),
    "col.name": ("Name", "Name"),
    "col.kind": ("Art", "Kind"),
    "col.organisation": ("Träger", "Organisation"),
    "col.partner": ("SINN-Partner", "SINN partner"),
    "col.theme": ("Themenfeld", "Theme"),
    "col.stage": ("Phase", "Stage"),
    "col.start_year": ("Startjahr", "Start year"),
    "col.funding_eur": ("Fördersumme", "Funding"),
    "col.type": ("Format", "Format"),
    "col.date": ("Datum", "Date"),
    "col.initiative_id": ("Initiative (ID)", "Initiative (ID)"),
    "col.postal_code": ("PLZ", "Postal code"),
    "col.city": ("Ort", "Place"),
    "col.municipality": ("Gemeinde", "Municipality"),
    "col.district": ("Kreis", "District"),
    "col.district_name": ("Kreis", "District"),
    "col.district_ars": ("Kreisschlüssel", "District key"),
    "col.degurba": ("Siedlungstyp (Code)", "Settlement type (code)"),
    "col.degurba_label": ("Siedlungstyp", "Settlement type"),
    "col.lon": ("Länge", "Longitude"),
    "col.lat": ("Breite", "Latitude"),
    "col.location_precision": ("Lagegenauigkeit", "Location precision"),
    "col.url": ("Webseite", "Website"),
    "col.description": ("Beschreibung", "Description"),
    "col.is_demo": ("Demo", "Demo"),
    "col.population": ("Einwohner", "Population"),
    "col.initiatives": ("Initiativen", "Initiatives"),
    "col.events": ("Veranstaltungen", "Events"),
    "col.participants": ("Teilnehmende", "Participants"),
    "col.per_100k": ("Initiativen je 100.000 Einw.", "Initiatives per 100k"),
    "col.events_per_100k": ("Veranstaltungen je 100.000 Einw.", "Events per 100k"),
    "col.lq": ("Standortquotient", "Location quotient"),
    "col.first_year": ("Erste Initiative (Jahr)", "First initiative (year)"),
    "col.metric": ("Kennzahl", "Indicator"),
    "col.region": ("Region", "Region"),
    "col.saxony": ("Sachsen", "Saxony"),
    "col.reason": ("Grund", "Reason"),
    "col.rows": ("Zeilen", "Rows"),
    "col.file": ("Datei", "File"),
    "col.demo": ("Demo", "Demo"),
    "col.column": ("Spalte", "Column"),
    "col.meaning": ("Bedeutung", "Meaning"),
    "col.unit": ("Einheit", "Unit"),
    "col.population_total": ("Einwohner", "Population"),
    "col.municipalities_reached": ("Erreichte Gemeinden", "Municipalities reached"),
    "col.municipalities_total": ("Gemeinden", "Municipalities"),
    "col.population_reached": ("Einwohner in Gemeinden mit Initiative", "Population in municipalities with an initiative"),
    "col.rural_share_initiatives": ("Anteil Initiativen in ländlichen Gemeinden", "Share of initiatives in rural municipalities"),
    "col.rural_share_population": ("Bevölkerungsanteil ländlicher Gemeinden", "Population share of rural municipalities"),
    "kind.Kreisfreie Stadt": ("Kreisfreie Stadt", "District-free city"),
    "kind.Landkreis": ("Landkreis", "Rural district"),
    "kind.initiative": ("Initiativen", "Initiatives"),
    "kind.event": ("Veranstaltungen", "Events"),
    # page Regionen
    "reg.indicator": ("Kennzahl", "Indicator"),
    "reg.ranking": ("Rangfolge der Kreise", "Ranking of the districts"),
    "reg.ranking_note": ("Hervorgehoben: im Filter gewählte Kreise. Ein Siedlungstyp-Filter beschränkt Zählung und Bevölkerung auf Gemeinden dieses Typs.", "Highlighted: districts chosen in the filter. A settlement-type filter restricts counts and population to municipalities of that type."),
    "reg.average": ("Sachsen-Durchschnitt", "Saxony average"),
    "reg.selected": ("gewählt", "selected"),
    "reg.other": ("übrige", "other"),
    "reg.settlement": ("Städtisch – mittel – ländlich", "Urban – intermediate – rural"),
    "reg.settlement_note": ("Siedlungstyp der Gemeinde nach dem EU-Verstädterungsgrad (Destatis GV-ISys).", "Municipality settlement type by the EU degree of urbanisation (Destatis GV-ISys)."),
    "reg.shares": ("Anteile in %", "Shares in %"),
    "reg.share_population": ("Bevölkerung", "Population"),
    "reg.share_initiatives": ("Initiativen", "Initiatives"),
    "reg.share_events": ("Veranstaltungen", "Events"),
    "reg.per_100k_title": ("Je 100.000 Einwohner", "Per 100,000 inhabitants"),
    "reg.time": ("Zeitverlauf", "Over time"),
    "reg.per_year": ("Gestartete Initiativen je Jahr", "Initiatives started per year"),
    "reg.per_quarter": ("Veranstaltungen je Quartal", "Events per quarter"),
    "reg.year": ("Jahr", "Year"),
    "reg.quarter": ("Quartal", "Quarter"),
    "reg.count": ("Anzahl", "Count"),
    "reg.new_since": ("Neu erreicht seit …", "Newly reached since …"),
    "reg.since_year": ("Vergleichsjahr", "Reference year"),
    "reg.until": ("bis {year}", "up to {year}"),
    "reg.now": ("heute", "now"),
    "reg.districts_reached": ("Erreichte Kreise", "Districts reached"),
    "reg.coverage_chart": ("Erreichte Gemeinden (kumuliert)", "Municipalities reached (cumulative)"),
    "reg.newly_reached": ("Seit {year} neu erreichte Gemeinden", "Municipalities newly reached since {year}"),
    "reg.none_new": ("Seit {year} wurden keine Gemeinden neu erreicht.", "No municipality was newly reached since {year}."),
    "reg.unknown_years": ("Nur Initiativen mit bekanntem Startjahr.", "Only initiatives with a known start year."),
    "reg.profile": ("Regionsprofil", "Region profile"),
    "reg.choose_district": ("Kreis wählen", "Choose a district"),
    "reg.profile_municipalities": ("Gemeinden in {district}", "Municipalities in {district}"),
    "reg.no_time": ("Keine Daten mit Jahresangabe für diese Filter.", "No dated data for these filters."),
    # page Daten
    "dat.initiatives": ("Initiativen", "Initiatives"),
    "dat.events": ("Veranstaltungen", "Events"),
    "dat.rows": ("{n} Zeilen (nur öffentliche Einträge und Felder, ohne Kontaktdaten)", "{n} rows (public entries and fields only, no contact data)"),
    "dat.rows_plain": ("{n} Zeilen", "{n} rows"),
    "dat.events_hidden": ("Veranstaltungen sind im Filter ausgeblendet.", "Events are hidden by the filter."),
    "dat.downloads": ("Download der gefilterten Ansicht", "Download the filtered view"),
    "dat.downloads_note": ("CSV: UTF-8 mit BOM, Semikolon als Trennzeichen, Dezimalkomma (öffnet so direkt in deutschem Excel). Zellen, die als Formel gelesen würden, beginnen mit einem Apostroph. Zu jedem Datensatz gehört ein Datenwörterbuch (in der XLSX als zweites Blatt).", "CSV: UTF-8 with BOM, semicolon separator, decimal comma (opens directly in German Excel). Cells that would be read as a formula start with an apostrophe. Every data set comes with a data dictionary (a second sheet in the XLSX)."),
    "dat.dictionary": ("Datenwörterbuch", "Data dictionary"),
    "dat.statistics": ("Statistik je Gemeinde und je Kreis", "Statistics per municipality and district"),
    "dat.municipality_stats": ("Gemeinden", "Municipalities"),
    "dat.district_stats": ("Kreise", "Districts"),
    "dat.run": ("ETL-Lauf", "ETL run"),
    "dat.no_run": ("Kein ETL-Lauf protokolliert.", "No ETL run recorded."),
    "dat.run_summary": ("Lauf `{run_id}`: {status}, gestartet {started} UTC, Dauer {duration} s, Grenzen: {boundary}.", "Run `{run_id}`: {status}, started {started} UTC, took {duration} s, boundaries: {boundary}."),
    "dat.inputs": ("Eingabedateien", "Input files"),
    "dat.rows_read": ("Gelesene Zeilen", "Rows read"),
    "dat.accepted": ("Übernommen", "Accepted"),
    "dat.rejected": ("Zurückgewiesen", "Rejected"),
    "dat.rejects_by_reason": ("Zurückgewiesen nach Grund", "Rejected by reason"),
    "dat.no_rejects": ("Keine Zeile wurde zurückgewiesen.", "No row was rejected."),
    "reason.missing_name": ("Name fehlt", "name missing"),
    "reason.no_location": ("kein Ort bestimmbar", "no location"),
    "reason.outside_saxony": ("außerhalb Sachsens", "outside Saxony"),
    "reason.ambiguous_postal_code": ("PLZ mehrdeutig", "ambiguous postal code"),
    "reason.ambiguous_municipality": ("Gemeindename mehrdeutig", "ambiguous municipality"),
    "reason.duplicate_id": ("doppelte ID", "duplicate ID"),
    "reason.unparseable_value": ("unlesbarer Wert", "unparseable value"),
    "fmt.csv": ("CSV", "CSV"),
    "fmt.xlsx": ("XLSX", "XLSX"),
    "fmt.geojson": ("GeoJSON", "GeoJSON"),
    "fmt.parquet": ("Parquet", "Parquet"),
    "fmt.dictionary": ("Datenwörterbuch (CSV)", "Data dictionary (CSV)"),
    # data dictionary: units and sources
    "unit.count": ("Anzahl", "count"),
    "unit.persons": ("Personen", "persons"),
    "unit.per_100k": ("je 100.000 Einwohner", "per 100,000 inhabitants"),
    "unit.ratio": ("Verhältnis (1 = Sachsen-Durchschnitt)", "ratio (1 = Saxony average)"),
    "unit.eur": ("Euro", "euro"),
    "unit.degrees": ("Grad (WGS 84, EPSG:4326)", "degrees (WGS 84, EPSG:4326)"),
    "unit.year": ("Jahr", "year"),
    "unit.date": ("Datum (JJJJ-MM-TT)", "date (YYYY-MM-DD)"),
    "unit.text": ("Text", "text"),
    "unit.key": ("Schlüssel", "key"),
    "unit.bool": ("wahr/falsch", "true/false"),
    "src.sinn": ("SINN-Datenimport (geokodiert im ETL)", "SINN data import (geocoded in the ETL)"),
    "src.bkg": ("© GeoBasis-DE / BKG 2021 (VG5000)", "© GeoBasis-DE / BKG 2021 (VG5000)"),
    "src.zensus": ("Zensus 2022, Statistische Ämter des Bundes und der Länder", "Census 2022, Statistical Offices of the Federation and the Länder"),
    "src.gv": ("Destatis GV-ISys 31.12.2019", "Destatis GV-ISys 31.12.2019"),
    "src.computed": ("berechnet (SINN-Atlas)", "computed (SINN Atlas)"),
    "doc.id": ("Kennung des Eintrags im Import", "identifier of the entry in the import"),
    "doc.name": ("Name", "name"),
    "doc.organisation": ("Trägerorganisation", "organisation running it"),
    "doc.partner": ("SINN-Partner (kontrolliertes Vokabular)", "SINN partner (controlled vocabulary)"),
    "doc.theme": ("Themenfeld (kontrolliertes Vokabular)", "theme (controlled vocabulary)"),
    "doc.stage": ("Entwicklungsphase", "development stage"),
    "doc.start_year": ("Jahr des Starts", "year started"),
    "doc.funding_eur": ("Fördersumme", "funding amount"),
    "doc.type": ("Veranstaltungsformat", "event format"),
    "doc.date": ("Datum der Veranstaltung", "date of the event"),
    "doc.participants": ("Zahl der Teilnehmenden", "number of participants"),
    "doc.initiative_id": ("ID der zugehörigen Initiative", "ID of the related initiative"),
    "doc.postal_code": ("Postleitzahl", "postal code"),
    "doc.city": ("Ort laut Import", "place as imported"),
    "doc.municipality": ("Gemeinde, in der der Punkt liegt", "municipality containing the point"),
    "doc.ags": ("Amtlicher Gemeindeschlüssel (8 Stellen)", "official municipality key (8 digits)"),
    "doc.district": ("Landkreis oder Kreisfreie Stadt", "district"),
    "doc.district_name": ("Landkreis oder Kreisfreie Stadt", "district"),
    "doc.district_ars": ("Regionalschlüssel des Kreises (5 Stellen)", "district key (5 digits)"),
    "doc.ars": ("Regionalschlüssel des Kreises (5 Stellen)", "district key (5 digits)"),
    "doc.kind": ("Kreisfreie Stadt oder Landkreis", "district-free city or rural district"),
    "doc.degurba": ("Verstädterungsgrad: 1 städtisch, 2 mittel, 3 ländlich", "degree of urbanisation: 1 urban, 2 intermediate, 3 rural"),
    "doc.degurba_label": ("Siedlungstyp der Gemeinde (städtisch/mittel/ländlich)", "settlement type of the municipality (urban/intermediate/rural)"),
    "doc.lon": ("Geografische Länge", "longitude"),
    "doc.lat": ("Geografische Breite", "latitude"),
    "doc.location_precision": ("exact = Adresse/Koordinate, municipality = Gemeindemittelpunkt", "exact = address/coordinate, municipality = municipality centre"),
    "doc.url": ("Webseite", "website"),
    "doc.description": ("Kurzbeschreibung", "short description"),
    "doc.is_demo": ("wahr = erfundene Demo-Daten", "true = invented demo data"),
    "doc.population": ("Einwohner (Zensus 2022, Stichtag 15.05.2022)", "inhabitants (Census 2022, 15 May 2022)"),
    "doc.initiatives": ("Initiativen im Filter", "initiatives in the filter"),
    "doc.events": ("Veranstaltungen im Filter", "events in the filter"),
    "doc.per_100k": ("Initiativen ÷ Einwohner × 100.000", "initiatives ÷ population × 100,000"),
    "doc.events_per_100k": ("Veranstaltungen ÷ Einwohner × 100.000", "events ÷ population × 100,000"),
    "doc.lq": ("Anteil an Sachsens Initiativen ÷ Anteil an Sachsens Bevölkerung", "share of Saxony's initiatives ÷ share of Saxony's population"),
    # page Methodik
    "met.definitions": ("Kennzahlen", "Indicators"),
    "met.state": ("Datenstand", "Data state"),
    "met.sources": ("Quellen und Lizenzen", "Sources and licences"),
    "met.demo": ("Demo-Daten", "Demo data"),
    "met.metric": ("Kennzahl", "Indicator"),
    "met.definition": ("Definition", "Definition"),
    "met.per_100k": ("Initiativen ÷ Einwohner × 100.000 (Einwohner: Zensus 2022). Veranstaltungen je 100.000 Einw. entsprechend.", "initiatives ÷ population × 100,000 (population: Census 2022). Events per 100k likewise."),
    "met.lq": ("(Anteil der Region an Sachsens Initiativen) ÷ (Anteil der Region an Sachsens Bevölkerung). 1 = so viele wie nach Bevölkerung zu erwarten; unter 0,5 Lücke, über 1,5 Konzentration.", "(region's share of Saxony's initiatives) ÷ (region's share of Saxony's population). 1 = as many as the population suggests; below 0.5 gap, above 1.5 concentration."),
    "met.rural_gap_name": ("Lücke ländlicher Raum", "Rural share gap"),
    "met.rural_gap": ("Anteil der Initiativen in ländlichen Gemeinden − Anteil der Bevölkerung, der dort lebt (in Prozentpunkten). Negativ: der ländliche Raum ist unterversorgt.", "share of initiatives in rural municipalities − share of the population living there (percentage points). Negative: rural areas are under-served."),
    "met.settlement_name": ("Siedlungstyp", "Settlement type"),
    "met.settlement": ("EU-Verstädterungsgrad der Gemeinde aus dem Destatis-Gemeindeverzeichnis: 1 städtisch (dicht besiedelt), 2 mittel, 3 ländlich (gering besiedelt).", "EU degree of urbanisation of the municipality from the Destatis municipality register: 1 urban (densely populated), 2 intermediate, 3 rural (thinly populated)."),
    "met.distance_name": ("Entfernung zur nächsten Initiative", "Distance to the nearest initiative"),
    "met.distance": ("Luftlinie in Metern (EPSG:25833, UTM 33N) vom Mittelpunkt jeder Gemeinde zur nächsten Initiative bzw. zur nächsten Veranstaltung der letzten 12 Monate. Straßen- oder ÖPNV-Wege sind länger.", "straight-line distance in metres (EPSG:25833, UTM 33N) from each municipality's centroid to the nearest initiative, or to the nearest event of the last 12 months. Road or transit routes are longer."),
    "met.unreached_name": ("Nicht erreichte Bevölkerung", "Unreached population"),
    "met.unreached": ("Einwohner der Gemeinden, deren nächste Initiative weiter als R km (Standard 15 km, Luftlinie) entfernt ist. Auf der Seite Planung zählen wahlweise auch Veranstaltungen der letzten Monate vor einem Stichtag als Erreichen.", "population of municipalities whose nearest initiative is farther than R km (default 15 km, straight line). On the Planning page, events of the last months before a reference date can optionally count as reaching too."),
    "met.recommendation_name": ("Empfehlung für Veranstaltungsorte", "Event location recommendation"),
    "met.recommendation": ("Greedy-Verfahren für maximale Abdeckung: Kandidaten sind Gemeindemittelpunkte, Nachfrage ist die Bevölkerung gewichtet mit der Versorgungslücke, Radius R; Ergebnis sind k Orte in Rangfolge mit der jeweils neu abgedeckten Bevölkerung.", "greedy maximal-covering location: candidates are municipality centroids, demand is population weighted by the gap, radius R; the result is k ranked sites with the newly covered population."),
    "met.filters": ("Filter: Themenfeld, Partner, Phase und Jahre wählen die gezählten Initiativen und Veranstaltungen. Der Siedlungstyp-Filter beschränkt Zählung und Bevölkerung (auch die Vergleichswerte für Sachsen) auf Gemeinden dieses Typs; der Kreis-Filter wählt die gezeigten Regionen. Es werden nur öffentliche Einträge gezählt.", "Filters: theme, partner, stage and years choose the initiatives and events counted. The settlement-type filter restricts counts and population (including Saxony's reference values) to municipalities of that type; the district filter chooses the regions shown. Only public entries are counted."),
    "met.state_built": ("Datenbank erstellt: {built} UTC (Lauf `{run_id}`, {status}).", "Database built: {built} UTC (run `{run_id}`, {status})."),
    "met.state_initiatives": ("Initiativen: {n} (davon öffentlich {public}); Startjahre {first}–{last}.", "Initiatives: {n} ({public} public); start years {first}–{last}."),
    "met.state_events": ("Veranstaltungen: {n} (davon öffentlich {public}); {first} bis {last}.", "Events: {n} ({public} public); {first} to {last}."),
    "met.state_territory": ("Gebietsstand 01.01.2021 (BKG VG5000, Datei `{boundary}`): {municipalities} Gemeinden in {districts} Kreisen.", "Territorial state 1 Jan 2021 (BKG VG5000, file `{boundary}`): {municipalities} municipalities in {districts} districts."),
    "met.state_population": ("Einwohner: {population} (Zensus 2022, Stichtag 15.05.2022). Siedlungstyp und Fläche: Destatis GV-ISys, Bevölkerungsstand 31.12.2019.", "Population: {population} (Census 2022, reference date 15 May 2022). Settlement type and area: Destatis GV-ISys, population state 31 Dec 2019."),
    "met.source": ("Quelle", "Source"),
    "met.use": ("Verwendung", "Used for"),
    "met.licence": ("Lizenz", "Licence"),
    "met.attribution": ("Namensnennung", "Attribution"),
    "met.src_bkg": ("BKG Verwaltungsgebiete 1:5 000 000 (VG5000), Stand 01.01.2021", "BKG administrative areas 1:5,000,000 (VG5000), state 1 Jan 2021"),
    "met.use_bkg": ("Grenzen von Gemeinden, Kreisen und Ländern (für das Web vereinfacht)", "boundaries of municipalities, districts and states (simplified for the web)"),
    "met.src_zensus": ("Zensus 2022, Bevölkerung je Gemeinde (Tabelle 1000A-0000)", "Census 2022, population per municipality (table 1000A-0000)"),
    "met.use_zensus": ("Einwohner, alle Kennzahlen je Einwohner", "population, all per-capita indicators"),
    "met.src_gv": ("Destatis Gemeindeverzeichnis GV-ISys, 31.12.2019", "Destatis municipality register GV-ISys, 31 Dec 2019"),
    "met.use_gv": ("Siedlungstyp (Verstädterungsgrad), Fläche, Haupt-PLZ", "settlement type (degree of urbanisation), area, main postal code"),
    "met.src_plz": ("PLZ-Zuordnung (suche-postleitzahl.org, Stand 2021)", "postal code mapping (suche-postleitzahl.org, 2021)"),
    "met.use_plz": ("Geokodierung von Adressen ohne Koordinaten", "geocoding of addresses without coordinates"),
    "met.src_osm": ("OpenStreetMap-Kacheln (nur wenn als Hintergrund gewählt)", "OpenStreetMap tiles (only when chosen as basemap)"),
    "met.use_osm": ("optionale Hintergrundkarte", "optional basemap"),
    "met.src_sinn": ("Initiativen und Veranstaltungen des SINN-Netzwerks", "initiatives and events of the SINN network"),
    "met.use_sinn": ("Import über das ETL (CSV, XLSX, JSON, GeoJSON); Kontaktdaten werden nie angezeigt", "imported by the ETL (CSV, XLSX, JSON, GeoJSON); contact data is never shown"),
    "met.sinn_attribution": ("SINN-Partner", "SINN partners"),
    "met.demo_text": ("Solange kein Export der SINN-Plattform vorliegt, zeigt der Atlas Demo-Daten aus einem Generator mit festem Startwert (etwa 200 Initiativen und 70 Veranstaltungen, 2023–2025, schwerpunktmäßig in Leipzig, Dresden und Chemnitz). Jede Demo-Zeile trägt `is_demo = wahr`; solange Demo-Zeilen geladen sind, erscheint auf jeder Seite der Hinweis „Demo-Daten“. Namen, Adressen und Kontakte sind erfunden.", "Until an export of the SINN platform is available, the atlas shows demo data from a seeded generator (about 200 initiatives and 70 events, 2023–2025, concentrated in Leipzig, Dresden and Chemnitz). Every demo row carries `is_demo = true`; while demo rows are loaded, every page shows the “Demo-Daten” notice. Names, addresses and contacts are invented."),
    "met.no_demo": ("Es sind keine Demo-Daten geladen.", "No demo data is loaded."),
    # map (dashboard/maps.py) and page Karte
    "ind.nearest_km": ("Entfernung zur nächsten Initiative (km)", "Distance to the nearest initiative (km)"),
    "col.nearest_km": ("Nächste Initiative (km)", "Nearest initiative (km)"),
    "col.settlement": ("Siedlungstyp / Art", "Settlement type / kind"),
    "map.level": ("Ebene", "Level"),
    "map.level.district": ("Kreise", "Districts"),
    "map.level.municipality": ("Gemeinden", "Municipalities"),
    "map.level.district.one": ("Kreis", "District"),
    "map.level.municipality.one": ("Gemeinde", "Municipality"),
    "map.indicator": ("Kennzahl", "Indicator"),
    "map.scheme": ("Klasseneinteilung", "Classification"),
    "map.scheme.quantiles": ("Quantile", "Quantiles"),
    "map.scheme.equal_interval": ("Gleiche Intervalle", "Equal intervals"),
    "map.scheme.natural_breaks": ("Natürliche Brüche (Jenks)", "Natural breaks (Jenks)"),
    "map.basemap": ("Hintergrund", "Basemap"),
    "map.basemap.none": ("Umrisse (offline)", "Outlines (offline)"),
    "map.basemap.osm": ("OpenStreetMap", "OpenStreetMap"),
    "map.basemap_help": ("OpenStreetMap lädt Kartenkacheln von tile.openstreetmap.org; dabei erhält die OpenStreetMap Foundation Ihre IP-Adresse. „Umrisse“ lädt nichts von fremden Servern.", "OpenStreetMap loads map tiles from tile.openstreetmap.org, which sends your IP address to the OpenStreetMap Foundation. “Outlines” loads nothing from other servers."),
    "map.legend.initiatives": ("Anzahl Initiativen", "Number of initiatives"),
    "map.legend.per_100k": ("Initiativen je 100.000 Einwohner", "Initiatives per 100,000 inhabitants"),
    "map.legend.lq": ("Standortquotient (Sachsen = 1)", "Location quotient (Saxony = 1)"),
    "map.legend.nearest_km": ("Nächste Initiative in km (Luftlinie ab Gemeindemitte)", "Nearest initiative in km (straight line from the municipality centre)"),
    "map.legend.lq_note": ("unter 0,5: Lücke · über 1,5: Schwerpunkt", "below 0.5: gap · above 1.5: concentration"),
    "map.legend.km_district": ("Kreis: Mittel der Gemeinden, nach Einwohnern gewichtet", "District: mean of its municipalities, weighted by population"),
    "map.legend.classes": ("Klassen: {scheme}", "Classes: {scheme}"),
    "map.legend.counts": ("in Klammern: Anzahl {areas}", "in brackets: number of {areas}"),
    "map.legend.outside": ("außerhalb der Filterauswahl", "outside the filter selection"),
    "map.legend.no_data": ("keine Daten", "no data"),
    "map.legend.markers": ("Initiativen nach Themenfeld", "Initiatives by theme"),
    "map.legend.event": ("Veranstaltung", "Event"),
    "map.popup.website": ("Webseite", "Website"),
    "map.popup.approx": ("Lage ungefähr (Gemeindemittelpunkt)", "Approximate location (municipality centre)"),
    "karte.search": ("Initiative oder Gemeinde suchen", "Find an initiative or municipality"),
    "karte.search_placeholder": ("z. B. Görlitz", "e.g. Görlitz"),
    "karte.search_pick": ("Treffer – Karte zoomt dorthin", "Matches – the map zooms there"),
    "map.search.municipality": ("Gemeinde", "municipality"),
    "map.search.initiative": ("Initiative", "initiative"),
    "karte.search_none": ("Keine Treffer für `{q}`.", "No match for `{q}`."),
    "karte.click_hint": ("Klick auf eine Fläche wählt ihren Kreis aus; Kennzahlen, Tabelle und Text zeigen dann nur diesen Kreis.", "Clicking an area selects its district; key figures, table and text then show only that district."),
    "karte.selected": ("Ausgewählt: **{name}**", "Selected: **{name}**"),
    "karte.clear": ("Auswahl aufheben", "Clear selection"),
    "karte.table": ("Die Werte der Karte als Tabelle", "The map's values as a table"),
    "karte.table_help": ("Sortierbar per Klick auf die Spaltenüberschrift; dieselben Werte wie in der Karte.", "Sort by clicking a column header; the same values as in the map."),
    "karte.summary": ("Kurz gesagt", "In short"),
    "karte.sum.none": ("Für diese Filter gibt es keine Initiativen; die Karte zeigt nur die Gebiete.", "No initiatives match these filters; the map only shows the areas."),
    "karte.sum.average": ("Sachsenweit kommen {avg} Initiativen auf 100.000 Einwohner.", "Across Saxony there are {avg} initiatives per 100,000 inhabitants."),
    "karte.sum.top": ("Am dichtesten ist das Angebot in {top} ({top_value}).", "Coverage is densest in {top} ({top_value})."),
    "karte.sum.below_half": ("Unter der Hälfte des Sachsen-Durchschnitts liegen: {names}.", "Below half the Saxon average: {names}."),
    "karte.sum.none_below": ("Kein Kreis liegt unter der Hälfte des Sachsen-Durchschnitts.", "No district is below half the Saxon average."),
    "karte.sum.municipalities": ("{zero} von {total} Gemeinden haben keine Initiative.", "{zero} of {total} municipalities have no initiative."),
    "karte.sum.rural": ("In ländlichen Gemeinden leben {pop} der Bevölkerung; dort liegen {ini} der Initiativen.", "Rural municipalities hold {pop} of the population and {ini} of the initiatives."),
    # page Planung (and its map in dashboard/maps.py)
    "plan.intro": ("Wo liegen weiße Flecken, wie viele Menschen leben dort, und wo sollte die nächste Roadshow, der nächste Hackathon oder Coaching-Tag stattfinden? Alle Entfernungen sind **Luftlinie** vom Gemeindemittelpunkt (EPSG:25833); Wege auf Straße oder Schiene sind länger.", "Where are the white spots, how many people live there, and where should the next roadshow, hackathon or coaching day go? All distances are **straight-line distances** from the municipality centre (EPSG:25833); road or rail routes are longer."),
    "plan.settings": ("Annahmen", "Assumptions"),
    "plan.radius": ("Radius R (km, Luftlinie)", "Radius R (km, straight line)"),
    "plan.radius_help": ("Eine Gemeinde gilt als erreicht, wenn eine Initiative (oder eine gezählte Veranstaltung) höchstens R km Luftlinie von ihrem Mittelpunkt entfernt ist.", "A municipality counts as reached when an initiative (or a counted event) lies within R km straight-line distance of its centre."),
    "plan.k": ("Anzahl Vorschläge k", "Number of suggestions k"),
    "plan.months": ("Zeitraum für Veranstaltungen (Monate)", "Period for events (months)"),
    "plan.months_help": ("Veranstaltungen aus so vielen Monaten bis zum Stichtag zählen; ältere und spätere nicht.", "Events from this many months up to the reference date count; older and later ones do not."),
    "plan.reference": ("Stichtag", "Reference date"),
    "plan.reference_help": ("Ende des Zeitraums; voreingestellt ist das Datum der letzten Veranstaltung in den Daten.", "End of the period; preset to the date of the latest event in the data."),
    "plan.events_count": ("Veranstaltungen zählen mit", "Events count"),
    "plan.events_count_help": ("Eine Veranstaltung im Zeitraum erreicht ihre Umgebung wie eine Initiative (Umkreis R).", "An event in the period reaches its surroundings like an initiative (radius R)."),
    "plan.weighted": ("Nach Versorgungslücke gewichten", "Weight by gap"),
    "plan.weighted_help": ("Gewicht je Gemeinde: 1 ÷ max(LQ ihres Kreises; 0,1). Kreise mit wenigen Initiativen je Einwohner zählen mehr; die Tabelle zeigt weiter ungewichtete Einwohner.", "Weight per municipality: 1 ÷ max(LQ of its district, 0.1). Districts with few initiatives per inhabitant count more; the table still shows unweighted population."),
    "plan.skip_recent": ("Orte nahe Veranstaltungen auslassen", "Skip sites near events"),
    "plan.skip_recent_help": ("Keine Vorschläge im Umkreis R einer Veranstaltung aus dem Zeitraum: dort war man gerade erst.", "No suggestions within R of an event from the period: someone was just there."),
    "plan.planned": ("Geplante Veranstaltungen (Was-wäre-wenn)", "Planned events (what if)"),
    "plan.planned_placeholder": ("Gemeinden wählen …", "Choose municipalities …"),
    "plan.planned_help": ("Die gewählten Gemeinden zählen als Veranstaltungsorte mit Radius R: Kennzahlen, Karte, Tabellen und Vorschläge berücksichtigen sie.", "The chosen municipalities count as event sites with radius R: key figures, map, tables and suggestions take them into account."),
    "plan.kpi.unreached_population": ("Nicht erreichte Einwohner", "Unreached population"),
    "plan.kpi.unreached_municipalities": ("Nicht erreichte Gemeinden", "Unreached municipalities"),
    "plan.kpi.share": ("Anteil an der Bevölkerung", "Share of the population"),
    "plan.kpi.new": ("Neu erreicht durch Planung", "Newly reached by planned events"),
    "plan.kpi.delta": ("{n} durch Planung", "{n} by planned events"),
    "plan.rule.initiatives": ("Nicht erreicht: keine Initiative im Umkreis von {r} km Luftlinie um den Gemeindemittelpunkt.", "Unreached: no initiative within {r} km straight-line distance of the municipality centre."),
    "plan.rule.events": ("Nicht erreicht: keine Initiative und keine Veranstaltung vom {start} bis {end} im Umkreis von {r} km Luftlinie um den Gemeindemittelpunkt.", "Unreached: no initiative and no event from {start} to {end} within {r} km straight-line distance of the municipality centre."),
    "plan.rule.planned": ("Geplante Veranstaltungen zählen mit.", "Planned events are included."),
    "plan.scope": ("Kreis- und Siedlungstyp-Filter wählen die betrachteten Gemeinden und die möglichen Orte; Initiativen und Veranstaltungen zählen sachsenweit, auch jenseits einer Kreisgrenze.", "District and settlement-type filters choose the municipalities considered and the possible sites; initiatives and events count across Saxony, also beyond a district border."),
    "plan.no_events": ("Im gewählten Zeitraum gab es keine Veranstaltung.", "There was no event in the chosen period."),
    "plan.sites": ("Empfohlene Veranstaltungsorte", "Recommended event locations"),
    "plan.sites_note": ("Greedy-Verfahren für maximale Abdeckung: Rang 1 ist die Gemeinde, deren Umkreis R die meisten noch nicht erreichten Einwohner neu abdeckt, Rang 2 die beste danach usw. Geplante Veranstaltungen sind schon eingerechnet.", "Greedy maximal covering: rank 1 is the municipality whose radius R newly covers the most unreached people, rank 2 the best one after that, and so on. Planned events are already included."),
    "plan.sites_weighted": ("Rangfolge nach gewichteter Nachfrage (Versorgungslücke); die Spalten zeigen Einwohner.", "Ranked by gap-weighted demand; the columns show population."),
    "plan.sites_fewer": ("Nur {n} Orte erreichen noch Einwohner, die nicht schon abgedeckt sind.", "Only {n} sites still reach people not already covered."),
    "plan.sites_none": ("Alle betrachteten Gemeinden sind erreicht – kein Vorschlag nötig.", "Every municipality considered is reached – no suggestion needed."),
    "plan.download": ("Liste als CSV", "List as CSV"),
    "plan.by_district": ("Nicht erreicht nach Kreis", "Unreached by district"),
    "plan.by_settlement": ("Nicht erreicht nach Siedlungstyp", "Unreached by settlement type"),
    "plan.status": ("Status", "Status"),
    "plan.status.unreached": ("nicht erreicht", "unreached"),
    "plan.status.new": ("neu erreicht durch Planung", "newly reached by planned event"),
    "plan.status.covered": ("erreicht", "reached"),
    "plan.status.outside": ("außerhalb der Filterauswahl", "outside the filter selection"),
    "plan.legend.title": ("Erreichbarkeit (Luftlinie, R = {r} km)", "Reach (straight line, R = {r} km)"),
    "plan.legend.unreached": ("nicht erreicht: weiter als {r} km", "unreached: farther than {r} km"),
    "plan.legend.new": ("neu erreicht durch geplante Veranstaltung", "newly reached by a planned event"),
    "plan.legend.covered": ("erreicht: höchstens {r} km", "reached: within {r} km"),
    "plan.legend.outside": ("außerhalb der Filterauswahl", "outside the filter selection"),
    "plan.legend.site": ("Vorschlag (Rang) mit Radius {r} km", "Suggestion (rank) with radius {r} km"),
    "plan.legend.planned": ("geplante Veranstaltung mit Radius {r} km", "planned event with radius {r} km"),
    "plan.legend.note": ("Entfernung vom Gemeindemittelpunkt", "Distance from the municipality centre"),
    "col.rank": ("Rang", "Rank"),
    "col.new_population": ("Neu erreichte Einwohner", "Newly reached population"),
    "col.cumulative_population": ("Kumuliert", "Cumulative"),
    "col.radius_km": ("Radius (km, Luftlinie)", "Radius (km, straight line)"),
    "col.municipalities": ("Gemeinden", "Municipalities"),
    "col.unreached_municipalities": ("Nicht erreichte Gemeinden", "Unreached municipalities"),
    "col.unreached_population": ("Nicht erreichte Einwohner", "Unreached population"),
    "col.unreached_share": ("Anteil nicht erreicht (%)", "Share unreached (%)"),
}
# fmt: on

# Controlled vocabularies: the German term stored in the data -> English label.
_VOCAB_EN: dict[str, dict[str, str]] = {
    "theme": {
        "Gesundheit": "Health", "Pflege": "Care", "Bildung": "Education",
        "Inklusion": "Inclusion", "Familie": "Family",
        "Migration & Integration": "Migration & integration",
        "Teilhabe & Demokratie": "Participation & democracy", "Wohnen": "Housing",
        "Alter": "Ageing", "Arbeit": "Work", "Katastrophenschutz": "Civil protection",
        "Sonstiges": "Other",
    },
    "partner": {"other": "other"},
    "stage": {
        "Idee": "Idea", "Aufbau": "Start-up", "Wachstum": "Growth",
        "Verstetigung": "Established", "unbekannt": "unknown",
    },
    "type": {
        "Bildungsreise": "Study trip", "Netzwerktreffen": "Networking event",
        "Konferenz": "Conference", "other": "other",
    },
}  # fmt: skip
TEXT.update(
    {f"{domain}.{de}": (de, en) for domain, terms in _VOCAB_EN.items()
     for de, en in terms.items()}
)  # fmt: skip
# the funding page's texts live in their own data file (the report reads it too)
TEXT.update(funding_texts.TEXT)


def language() -> str:
    """The current UI language: widget state, else the ``lang`` URL parameter."""
    lang = st.session_state.get(LANG_KEY)
    if lang in LANGUAGES:
        return lang
    url = st.query_params.get(LANG_KEY)
    return url if url in LANGUAGES else DEFAULT_LANGUAGE


def init_language() -> None:
    """Seed the language widget from the URL once per session; note invalid values."""
    if LANG_KEY in st.session_state:
        return
    url = st.query_params.get(LANG_KEY)
    if url is not None and url not in LANGUAGES:
        st.session_state.setdefault(NOTICES_KEY, []).append((LANG_KEY, url))
    st.session_state[LANG_KEY] = url if url in LANGUAGES else DEFAULT_LANGUAGE


def t(key: str, lang: str | None = None, **values: object) -> str:
    """Translated label for ``key`` (the key itself if the table lacks it)."""
    pair = TEXT.get(key)
    if pair is None:
        return key
    text = pair[LANGUAGES.index(lang or language())]
    return text.format(**values) if values else text


def labels(prefix: str) -> Callable[[object], str]:
    """A widget ``format_func`` translating ``prefix + option`` in this run's language.

    The language is bound now: Streamlit may call ``format_func`` outside the
    script run (AppTest does), where the session state is not available.
    """
    lang = language()
    return lambda option: t(f"{prefix}{option}", lang=lang)


def fmt_num(
    value: float | int | None, decimals: int = 0, lang: str | None = None
) -> str:
    """A number with the language's separators (default: current); "–" if missing."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    text = f"{value:,.{decimals}f}"
    if (lang or language()) == "de":
        text = text.replace(",", "\0").replace(".", ",").replace("\0", ".")
    return text


def fmt_pct(share: float | None, decimals: int = 1, lang: str | None = None) -> str:
    """A fraction (0..1) as a percentage, e.g. ``21,5 %``."""
    if share is None or (isinstance(share, float) and math.isnan(share)):
        return "–"
    lang = lang or language()
    sep = "\u202f" if lang == "de" else ""
    return f"{fmt_num(share * 100, decimals, lang=lang)}{sep}%"


def fmt_date(value: object) -> str:
    """A date as ``31.12.2025`` (German) or ``2025-12-31`` (English)."""
    if value is None or not hasattr(value, "strftime"):
        return "–" if value is None else str(value)
    return value.strftime("%d.%m.%Y" if language() == "de" else "%Y-%m-%d")


def plotly_separators() -> str:
    """Plotly's ``separators`` (decimal, thousands) for the current language."""
    return ",." if language() == "de" else ".,"
