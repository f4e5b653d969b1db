"""Staff sign-in pages (owned by H18; this stub lets the app register the router first)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(include_in_schema=False)
