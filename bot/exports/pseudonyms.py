"""Stable pseudonyms for voters (``exports.pseudonymous_voters``) or for every member
(``exports.pseudonymous: all``, prefix ``member-``).

``voter-`` + the first 12 hex digits of HMAC-SHA256(key, user id), where the key is derived
from the guild and debate ids. The same member gets the same pseudonym in every export of
the same debate, and different pseudonyms in different debates.

Limits: this is pseudonymisation, not anonymisation. The key comes from ids that the export
itself contains, so anyone who knows this scheme and a list of candidate member ids can test
each candidate; it only hides ids from a casual reader. 48 bits make a collision between two
voters of one debate unlikely (about 1 in 200,000 at 10,000 voters) but not impossible.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable

PREFIX = "voter-"
#: ``exports.pseudonymous: all``: everyone, not only voters, so a plainer word.
MEMBER_PREFIX = "member-"
DIGITS = 12


def debate_key(guild_id: int, debate_id: int) -> bytes:
    """The per-debate HMAC key."""
    return hashlib.sha256(f"debate-bot/voter-pseudonym/v1/{guild_id}/{debate_id}".encode()).digest()


def pseudonymizer(guild_id: int, debate_id: int, prefix: str = PREFIX) -> Callable[[int], str]:
    """A function from a member id to its pseudonym in this debate (``prefix`` + digits)."""
    key = debate_key(guild_id, debate_id)

    def pseudonym(user_id: int) -> str:
        digest = hmac.new(key, str(user_id).encode(), hashlib.sha256).hexdigest()
        return prefix + digest[:DIGITS]

    return pseudonym


def plain(user_id: int) -> str:
    """A member id as the exports spell it when voters are not pseudonymous."""
    return str(user_id)
