"""Spatial primitives shared by the ETL and the dashboard (pure functions)."""
