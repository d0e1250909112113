"""A browser's first view of the Karte page: the map alone, then the whole page.

Streamlit draws every element of a script run on the browser's main thread, and
the map's same-origin iframe draws on that thread too: on a fresh visit the
sidebar filters, map controls, key figures, table and text held the map back by
about a second (CDP profile of bench/bench_dashboard.py's visit). So the first
run of a browser session on the Karte page shows the title and the map alone,
built from the URL's filters and options; the map's frontend reruns the page
once the map is on screen, and that run draws the rest around the map, which
stays as it is (same element, same arguments: nothing is sent or drawn again).
Should the map's frame never load (and so never report), a timer draws the
whole page anyway.
"""

from __future__ import annotations

import streamlit as st

__all__ = ["FALLBACK_S", "PENDING_KEY", "fallback", "map_alone", "start"]

_STATE_KEY = "_first_view_map_alone"
_ARMED_KEY = "_first_view_fallback_armed"
#: seconds a first view waits for the map's report before drawing the whole page
#: (a map on a slow phone reports within a few; a frame that never loads, never)
FALLBACK_S = 12
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


@st.fragment(run_every=FALLBACK_S)
def fallback() -> None:
    """Draw the whole page if the map has not reported itself drawn in time.

    Its first call (in the first view's run) arms it; a timed rerun that finds
    it armed reruns the app. The whole page's run does not call it, and
    Streamlit's frontend drops the timer of a fragment a full run did not draw.
    """
    if st.session_state.get(_ARMED_KEY):
        st.session_state[_ARMED_KEY] = False
        st.rerun(scope="app")
    st.session_state[_ARMED_KEY] = True
