"""File readers: CSV/text, XLSX, JSON and GeoJSON into text tables in DuckDB."""
