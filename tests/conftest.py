"""Shared fixtures. Real components only: a real SQLite file store, the real app over HTTP."""
