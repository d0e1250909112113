"""Neutral package shared by the ETL and its read-only consumers.

Configuration, the DuckDB connection and the controlled vocabularies live here
so that ``etl/`` and ``dashboard/`` never import each other.
"""
