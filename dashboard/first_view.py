"""A browser's first view of the Karte page: the map alone, then the whole page.

Streamlit draws every element of a script run on the browser's main thread, and
the map's same-origin iframe draws on that thread too: on a fresh visit the
sidebar filters, map controls, key figures, table and text held the map back by
about a second (CDP profile of bench/bench_dashboard.py's visit). So the first
run of a browser session on the Karte page shows the title and the map alone,
built from the URL's filters and options; the map's frontend reruns the page
once the map is on screen, and that run draws the rest around the map, which
stays as it is (same element, same arguments: nothing is sent or drawn again).
"""

from __future__ import annotations

import streamlit as st

__all__ = ["PENDING_KEY", "map_alone", "start"]

_STATE_KEY = "_first_view_map_alone"
#: key (CSS class ``st-key-…``) of what stands in for the map controls meanwhile
PENDING_KEY = "map_controls_pending"


def start(karte: bool) -> bool:
    """Decide, at the top of a run, whether it shows the Karte map alone.

    Only a session's first run does, on the Karte page, and only for a browser:
    a client without HTTP headers (AppTest, a script) never draws the map, so
    it gets the whole page at once.
    """
    first = _STATE_KEY not in st.session_state
    alone = first and karte and bool(st.context.headers)
    st.session_state[_STATE_KEY] = alone
    return alone


def map_alone() -> bool:
    """Whether this run shows the Karte map alone (see ``start``)."""
    return bool(st.session_state.get(_STATE_KEY))
