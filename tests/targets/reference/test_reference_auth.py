"""Tokens: signed, bound to one account, expiring — also once the signature check is cached."""

from __future__ import annotations

import pytest

from targets.reference.auth import AuthError, TokenSigner, check_admin, hash_password, verify_password


def test_token_round_trip_and_expiry_after_caching() -> None:
    signer = TokenSigner("k" * 32, ttl_s=60)
    token, exp = signer.issue(42, now_epoch=1000.0)
    assert exp == 1060
    assert signer.verify(token, 1000.0) == 42
    assert signer.verify(token, 1059.0) == 42  # cached
    with pytest.raises(AuthError, match="expired"):
        signer.verify(token, 1060.0)


def test_a_token_signed_with_another_key_or_edited_is_refused() -> None:
    token, _ = TokenSigner("k" * 32, 60).issue(42, 1000.0)
    other = TokenSigner("z" * 32, 60)
    with pytest.raises(AuthError):
        other.verify(token, 1000.0)
    _, _, exp, sig = token.split(".")
    with pytest.raises(AuthError):
        TokenSigner("k" * 32, 60).verify(f"v1.43.{exp}.{sig}", 1000.0)
    with pytest.raises(AuthError):  # a later expiry under the old signature
        TokenSigner("k" * 32, 60).verify(f"v1.42.{int(exp) + 3600}.{sig}", 1000.0)


def test_passwords_and_admin_token() -> None:
    stored = hash_password("correct horse", 1000)
    assert verify_password("correct horse", stored)
    assert not verify_password("wrong horse", stored)
    assert not verify_password("x", "!")
    check_admin("Bearer " + "a" * 20, "a" * 20)
    for bad in (None, "", "Bearer ", "a" * 20, "Bearer " + "a" * 19 + "b"):
        with pytest.raises(AuthError):
            check_admin(bad, "a" * 20)
