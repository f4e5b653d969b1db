"""The question desk pages (晓苏问答): ask a question, read a published answer."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(include_in_schema=False)
