"""Server-rendered pages (citizen, desk, agent console, staff workbench) served by the API app.

Pages render their main content on the server so they work without JavaScript; the scripts under
``static/js`` only enhance them (live matches, instant results, staff actions through the JSON API).
"""

from __future__ import annotations

from pathlib import Path

PAGES_DIR = Path(__file__).resolve().parent
STATIC_DIR = PAGES_DIR / "static"
TEMPLATES_DIR = PAGES_DIR / "templates"

__all__ = ["PAGES_DIR", "STATIC_DIR", "TEMPLATES_DIR"]
