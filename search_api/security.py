"""Password hashing and staff access tokens.

Passwords: argon2 through pwdlib (maintained, memory-hard). Tokens: signed JWTs carrying the
user id and an expiry; the user row is re-read on every request so a deactivated account or a
changed role takes effect at once.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import jwt
from pwdlib import PasswordHash

from records.errors import Unauthorized

_hasher = PasswordHash.recommended()
_ALGORITHM = "HS256"


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password: str, password_hash: str) -> bool:
    try:
        return _hasher.verify(password, password_hash)
    except Exception:  # a malformed stored hash must read as "wrong password", not a 500
        return False


def create_access_token(user_id: int, secret: str, ttl_minutes: int, now: datetime | None = None) -> str:
    issued = now or datetime.now(UTC)
    payload = {"sub": str(user_id), "iat": issued, "exp": issued + timedelta(minutes=ttl_minutes)}
    return jwt.encode(payload, secret, algorithm=_ALGORITHM)


def decode_access_token(token: str, secret: str) -> int:
    """Return the user id of a valid token; raise Unauthorized (with a Chinese message) otherwise."""
    try:
        payload = jwt.decode(token, secret, algorithms=[_ALGORITHM])
        return int(payload["sub"])
    except jwt.ExpiredSignatureError as exc:
        raise Unauthorized("登录已过期，请重新登录", code="token_expired") from exc
    except (jwt.InvalidTokenError, KeyError, ValueError) as exc:
        raise Unauthorized("登录凭证无效，请重新登录", code="token_invalid") from exc
