"""Deployment: N Streamlit replicas of the dashboard behind nginx."""
