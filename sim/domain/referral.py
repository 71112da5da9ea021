"""The referral a community doctor issues: a code a patient presents and the referral gate checks.

Agents (the patients who hold one) and the ``referral_gate`` policy both need it, so it lives
below both.
"""

from __future__ import annotations

import hashlib

__all__ = ["referral_code"]

# Stands in for the community doctor's signature: only the issuer (the scenario, for the persons
# it gives a referral) computes codes; a client presents the code it was given.
_ISSUER_KEY = b"slotgrab-community-referral"


def referral_code(person: int) -> str:
    """The referral a community doctor issues for ``person`` (a keyed hash of the person id)."""
    return hashlib.blake2b(str(person).encode(), key=_ISSUER_KEY, digest_size=8).hexdigest()
