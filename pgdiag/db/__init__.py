"""Talking to PostgreSQL: connection strings, safe sessions, the what-if planner, the shipped queries and
the embedded server."""
