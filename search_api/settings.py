"""The one settings object: every tunable of the service, read from environment variables.

Why one object: the CLI, the API workers and the indexer must agree on where the store and the
index live, and a wrong URL must be refused at start-up naming the variable, not fail later.
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PLACEHOLDER_SECRET = "dev-only-change-me"


class Settings(BaseSettings):
    """Typed, validated configuration; field names map to upper-case environment variables."""

    model_config = SettingsConfigDict(env_prefix="", case_sensitive=False, extra="ignore")

    environment: Literal["development", "test", "production"] = Field(
        "development", description="HOTLINE_ENV-like switch; production refuses placeholder secrets."
    )
    data_dir: Path = Field(Path("./data"), description="Where the SQLite file and the embedded index live.")
    database_url: str = Field("", description="SQLAlchemy URL; empty means sqlite:///<DATA_DIR>/hotline.db.")
    search_url: str = Field(
        "",
        description="Empty or 'embedded' for the tantivy index under DATA_DIR; http(s)://… for OpenSearch.",
    )
    index_name: str = Field(
        "entries", description="Alias (cluster) or directory prefix (embedded) of the index."
    )
    secret_key: str = Field(PLACEHOLDER_SECRET, description="Signs staff access tokens.")
    token_ttl_minutes: int = Field(480, ge=1, le=7 * 24 * 60, description="Lifetime of a staff token.")
    timezone: str = Field("Asia/Shanghai", description="Local time zone for effective dates and due times.")
    max_text_bytes: int = Field(100_000, ge=1_000, description="Largest accepted text field, in UTF-8 bytes.")
    max_body_bytes: int = Field(
        8 * 1024 * 1024, ge=64 * 1024, description="Largest accepted request body, in bytes; more gets 413."
    )
    indexer_poll_seconds: float = Field(
        0.2, gt=0, le=10, description="How often the indexer drains the outbox."
    )
    dictionary_dir: Path | None = Field(
        None, description="Folder with editable analyzer dictionaries; defaults to the packaged ones."
    )
    holidays: str = Field(
        "", description="Comma-separated non-working dates (YYYY-MM-DD) for the desk's one-day clock."
    )
    question_rate_per_minute: int = Field(
        5, ge=1, le=1000, description="Desk questions one client (IP) may submit per minute; more get 429."
    )
    feedback_rate_per_minute: int = Field(
        10, ge=1, le=1000, description="Entry ratings one client (IP) may send per minute; more get 429."
    )

    @field_validator("database_url")
    @classmethod
    def _check_database_url(cls, value: str) -> str:
        if value and not value.startswith(("sqlite", "postgresql")):
            raise ValueError("DATABASE_URL must start with sqlite:// or postgresql://")
        return value

    @field_validator("holidays")
    @classmethod
    def _check_holidays(cls, value: str) -> str:
        for part in value.split(","):
            if part.strip():
                try:
                    date.fromisoformat(part.strip())
                except ValueError as exc:
                    message = f"HOLIDAYS must list YYYY-MM-DD dates separated by commas: {part!r}"
                    raise ValueError(message) from exc
        return value

    @field_validator("search_url")
    @classmethod
    def _check_search_url(cls, value: str) -> str:
        if value and value != "embedded" and not value.startswith(("http://", "https://")):
            message = "SEARCH_URL must be empty, 'embedded', or an http(s):// URL of an OpenSearch node"
            raise ValueError(message)
        return value

    @model_validator(mode="after")
    def _refuse_placeholder_secret(self) -> Settings:
        if self.environment == "production" and self.secret_key == PLACEHOLDER_SECRET:
            raise ValueError("SECRET_KEY must be set to a real secret when ENVIRONMENT=production")
        return self

    @property
    def effective_database_url(self) -> str:
        return self.database_url or f"sqlite:///{(self.data_dir / 'hotline.db').as_posix()}"

    @property
    def embedded_search(self) -> bool:
        return self.search_url in ("", "embedded")

    @property
    def holiday_dates(self) -> frozenset[date]:
        return frozenset(date.fromisoformat(p.strip()) for p in self.holidays.split(",") if p.strip())

    @property
    def index_dir(self) -> Path:
        return self.data_dir / "index"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Settings from the environment, read once per process (tests build their own Settings)."""
    return Settings()
