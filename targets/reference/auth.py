"""Identities on the wire: signed, expiring account tokens; password hashes; the admin token.

A token is ``v1.<account>.<expires epoch>.<HMAC-SHA256 signature>``: the server keeps no session
table, any worker with the secret can check it, and it cannot be forged or extended without the
secret. Comparisons are constant-time.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

__all__ = ["AuthError", "TokenSigner", "check_admin", "hash_password", "verify_password"]


class AuthError(Exception):
    """Missing, malformed, forged or expired credentials."""


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


class TokenSigner:
    """Issues and checks account tokens."""

    def __init__(self, secret: str, ttl_s: float) -> None:
        self._key = secret.encode()
        self.ttl_s = ttl_s
        self._checked: dict[str, tuple[int, int]] = {}  # token → (account, expiry); signature verified

    def _sign(self, payload: str) -> str:
        return _b64(hmac.new(self._key, payload.encode(), hashlib.sha256).digest())

    def issue(self, account: int, now_epoch: float) -> tuple[str, int]:
        """A token for ``account`` and its expiry (epoch seconds)."""
        exp = int(now_epoch + self.ttl_s)
        payload = f"v1.{account}.{exp}"
        return f"{payload}.{self._sign(payload)}", exp

    def verify(self, token: str, now_epoch: float) -> int:
        """The token's account; :class:`AuthError` if it is not valid now."""
        known = self._checked.get(token)
        if known is not None:  # signature checked before; the expiry still is, every time
            if known[1] <= now_epoch:
                raise AuthError("token expired; log in again")
            return known[0]
        account = self._verify(token, now_epoch)
        if len(self._checked) >= 100_000:
            self._checked.clear()
        self._checked[token] = (account, int(token.split(".")[2]))
        return account

    def _verify(self, token: str, now_epoch: float) -> int:
        parts = token.split(".")
        if len(parts) != 4 or parts[0] != "v1" or len(token) > 200:
            raise AuthError("malformed token")
        payload = ".".join(parts[:3])
        if not hmac.compare_digest(parts[3], self._sign(payload)):
            raise AuthError("bad token signature")
        try:
            account, exp = int(parts[1]), int(parts[2])
        except ValueError:
            raise AuthError("malformed token") from None
        if exp <= now_epoch:
            raise AuthError("token expired; log in again")
        return account


def hash_password(password: str, iterations: int) -> str:
    """PBKDF2-SHA256 with a random salt, as ``pbkdf2$<iterations>$<salt>$<hash>``."""
    salt = secrets.token_bytes(16)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, iterations)
    return f"pbkdf2${iterations}${_b64(salt)}${_b64(digest)}"


def verify_password(password: str, stored: str) -> bool:
    """Whether ``password`` matches a :func:`hash_password` string (constant-time)."""
    try:
        _, iters, salt_b64, want = stored.split("$")
        salt = base64.urlsafe_b64decode(salt_b64 + "=" * (-len(salt_b64) % 4))
    except ValueError:
        return False
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, int(iters))
    return hmac.compare_digest(_b64(digest), want)


def check_admin(authorization: str | None, admin_token: str) -> None:
    """Raise :class:`AuthError` unless the header is ``Bearer <admin token>``."""
    header = authorization or ""
    given = header[7:].strip() if header.startswith("Bearer ") else ""
    if not given or not hmac.compare_digest(given.encode(), admin_token.encode()):
        raise AuthError("admin token required")
