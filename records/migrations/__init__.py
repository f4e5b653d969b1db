"""Alembic environment and revisions of the store (package data, see records.migrate)."""
