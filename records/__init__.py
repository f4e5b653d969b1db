"""Source of truth: SQLModel records, the entry lifecycle, validation, audit log and outbox."""
