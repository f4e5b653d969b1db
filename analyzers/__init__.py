"""Chinese text analysis shared by indexing and querying, for every engine."""
