"""SINN-Atlas ETL: fetch reference data, import initiatives/events, publish DuckDB."""
