"""Controlled vocabularies shared by the ETL and the dashboard."""

THEMES = (
    "Gesundheit",
    "Pflege",
    "Bildung",
    "Inklusion",
    "Familie",
    "Migration & Integration",
    "Teilhabe & Demokratie",
    "Wohnen",
    "Alter",
    "Arbeit",
    "Katastrophenschutz",
    "Sonstiges",
)
PARTNERS = (
    "Caritas",
    "DRK",
    "Impact Hub Dresden",
    "Impact Hub Leipzig",
    "parikom",
    "Startnext",
    "other",
)
EVENT_TYPES = (
    "Roadshow",
    "Hackathon",
    "Coaching",
    "Bildungsreise",
    "Netzwerktreffen",
    "Workshop",
    "Konferenz",
    "other",
)
STAGES = ("Idee", "Aufbau", "Wachstum", "Verstetigung", "unbekannt")

# EU degree of urbanisation code (GV-ISys) -> German label stored in the marts.
DEGURBA_LABELS = {1: "städtisch", 2: "mittel", 3: "ländlich"}

__all__ = ["DEGURBA_LABELS", "EVENT_TYPES", "PARTNERS", "STAGES", "THEMES"]
