"""SINN-Atlas entry point: page config, language, shared filters and navigation.

``?view=embed`` (the SINN website adds Streamlit's own ``embed=true``) shows only
the map of the Karte page, without sidebar or menus.
"""

from __future__ import annotations

import streamlit as st

from dashboard import data, filters, first_view, i18n
from dashboard.app_pages import karte
from dashboard.i18n import t

# One line per page: (page function or file relative to this script, title key,
# URL path, icon). The first page is the default. No :material/...: icons here:
# Streamlit turns the page's icon into the favicon and fetches material ones from
# fonts.gstatic.com, a request to a third party on every page view.
PAGES = [
    (karte.render, "nav.karte", "karte", None),
    ("app_pages/regionen.py", "nav.regionen", "regionen", None),
    ("app_pages/planung.py", "nav.planung", "planung", None),
    ("app_pages/foerderung.py", "nav.foerderung", "foerderung", None),
    ("app_pages/daten.py", "nav.daten", "daten", None),
    ("app_pages/methodik.py", "nav.methodik", "methodik", None),
]
REAL_DATA_PAGES = ("foerderung",)  # pages without the demo-data notice
EMBED_VIEW = "embed"  # ?view=embed; Streamlit keeps `embed` for itself


def _embed() -> None:
    """Only the map, for an <iframe> on the SINN website."""
    st.set_page_config(
        page_title=t("app.title"), layout="wide", initial_sidebar_state="collapsed"
    )
    page = st.Page(karte.render_embed, title=t("nav.karte"), url_path="karte")
    nav = st.navigation([page], position="hidden")
    if data.has_demo_rows():
        st.caption(t("demo.caption"))
    nav.run()


def _language_switch() -> None:
    """German/English selector bound to the ``lang`` state (and URL) key."""
    names = {"de": "Deutsch", "en": "English"}
    st.sidebar.radio(
        t("lang.label"),
        i18n.LANGUAGES,
        key=i18n.LANG_KEY,
        format_func=names.get,
        horizontal=True,
        on_change=i18n.relabel,
    )


def main() -> None:
    """Build the page list, the sidebar and the page frame, then run the page."""
    i18n.init_language()
    i18n.relabel_pending()
    if st.query_params.get("view") == EMBED_VIEW:
        _embed()
        return
    pages = [
        st.Page(page, title=t(key), url_path=path, icon=icon, default=n == 0)
        for n, (page, key, path, icon) in enumerate(PAGES)
    ]
    nav = st.navigation(pages)
    st.set_page_config(
        page_title=f"{nav.title} · {t('app.title')}",
        page_icon="🤝",
        layout="wide",
    )
    # A browser's first Karte view draws the map alone, the rest once it is drawn.
    alone = first_view.start(nav is pages[0])  # pages[0]: the Karte page
    st.sidebar.markdown(f"**{t('app.title')}** · {t('app.subtitle')}")
    if not alone:
        _language_switch()
    st.title(nav.title)
    # the funding page shows real data only; its initiatives chart says so itself
    if data.has_demo_rows() and nav.url_path not in REAL_DATA_PAGES:
        st.warning(t("demo.notice"), icon=":material/science:")
    if alone:
        filters.url_current()
    else:
        filters.sidebar_filters()
    nav.run()
    i18n.relabel_done()


main()
