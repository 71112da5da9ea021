"""Accounts and their real-name persons: registration, login, bulk provisioning, ownership.

An account (integer id: the phone number) registers the persons (integer real-name ids) it may
book for. Which person a request acts for is checked here, before any policy sees it.
"""

from __future__ import annotations

import time
from collections.abc import Iterable

from targets.reference.auth import TokenSigner, hash_password, verify_password
from targets.reference.db import Database
from targets.reference.direct import person_refusal
from targets.reference.errors import ApiError

__all__ = ["Accounts"]

_NO_PASSWORD = "!"  # provisioned by the admin: login by password is impossible


class Accounts:
    """Identity operations on the ``accounts`` and ``persons`` tables."""

    def __init__(self, db: Database, signer: TokenSigner, iterations: int, max_persons: int) -> None:
        self.db = db
        self.signer = signer
        self.iterations = iterations
        self.max_persons = max_persons
        self._persons: dict[int, list[int]] = {}  # cache, single-process only

    def _token(self, account: int) -> dict[str, object]:
        token, exp = self.signer.issue(account, time.time())
        return {"account": account, "token": token, "expires_at_epoch": exp}

    def persons_of(self, account: int) -> list[int]:
        """The account's persons, in the order they were added."""
        cached = self._persons.get(account) if self.db.single_process else None
        if cached is not None:
            return cached
        rows = self.db.all("SELECT person FROM persons WHERE account = ? ORDER BY person", (account,))
        persons = [int(r[0]) for r in rows]
        if self.db.single_process and persons:
            self._persons[account] = persons
        return persons

    def person_for(self, account: int, person: object) -> int:
        """The person a request acts for: ``person`` if it is the account's, else 403."""
        persons = self.persons_of(account)
        if not persons:
            raise person_refusal("unauthorized", person)
        if person is None:
            return persons[0]
        if isinstance(person, bool) or not isinstance(person, int) or person not in persons:
            raise person_refusal("forbidden", person)
        return person

    def _add_persons(self, account: int, persons: Iterable[int]) -> None:
        have = set(self.persons_of(account))
        new = [p for p in dict.fromkeys(persons) if p not in have]
        if len(have) + len(new) > self.max_persons:
            raise ApiError("rule_violation", f"an account may register at most {self.max_persons} persons")
        self.db.many("INSERT INTO persons (account, person) VALUES (?, ?) ON CONFLICT DO NOTHING",
                     [(account, p) for p in new])
        self._persons.pop(account, None)

    def register(self, account: int, password: str, persons: list[int]) -> dict[str, object]:
        """Create an account with its persons; 409 if the id is taken."""
        pw_hash = hash_password(password, self.iterations)
        with self.db.transaction():
            if self.db.run("INSERT INTO accounts (account, pw_hash, created) VALUES (?, ?, ?) "
                           "ON CONFLICT DO NOTHING", (account, pw_hash, time.time())) == 0:
                raise ApiError("conflict", f"account {account} already exists")
            self._add_persons(account, persons)
        return self._token(account)

    def login(self, account: int, password: str) -> dict[str, object]:
        """A fresh token for the right password; 401 otherwise (same message either way)."""
        row = self.db.one("SELECT pw_hash FROM accounts WHERE account = ?", (account,))
        if row is None or row[0] == _NO_PASSWORD or not verify_password(password, row[0]):
            raise ApiError("unauthorized", "wrong account or password")
        return self._token(account)

    def add_person(self, account: int, person: int) -> list[int]:
        """Register one more person on an account."""
        with self.db.transaction():
            self._add_persons(account, [person])
        return self.persons_of(account)

    def provision(self, accounts: list[tuple[int, list[int]]]) -> dict[str, object]:
        """Admin: create accounts (no password) or add persons; a token for each."""
        now = time.time()
        with self.db.transaction():
            self.db.many("INSERT INTO accounts (account, pw_hash, created) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                         [(a, _NO_PASSWORD, now) for a, _ in accounts])
            self.db.many("INSERT INTO persons (account, person) VALUES (?, ?) ON CONFLICT DO NOTHING",
                         [(a, p) for a, ps in accounts for p in ps])
        self._persons.clear()
        tokens, exp = {}, 0
        for a, _ in accounts:
            tokens[str(a)], exp = self.signer.issue(a, now)
        return {"tokens": tokens, "expires_at_epoch": exp}

    def forget(self) -> None:
        """Drop cached identities (after a reset)."""
        self._persons.clear()
