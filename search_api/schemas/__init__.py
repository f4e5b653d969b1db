"""Request bodies of the API (pydantic models with length limits)."""
