"""FastAPI application: public search API, staff API, pages, and the hotline CLI."""
