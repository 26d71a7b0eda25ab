"""The wording of the public notices the outbox delivers."""

from __future__ import annotations

import pytest

from bot.adapter.notices import notice_text


@pytest.mark.parametrize(
    ("users", "who"),
    [
        ([11], "Δ <@11> credits #3"),
        ([11, 12], "Δ <@11> and <@12> credit #3"),
        ([11, 12, 13, 14, 15, 16], "Δ <@11>, <@12>, <@13>, <@14>, <@15> and 1 other credit #3"),
        (list(range(11, 31)), "Δ <@11>, <@12>, <@13>, <@14>, <@15> and 15 others credit #3"),
    ],
)
def test_a_delta_notice_names_five_members_and_counts_the_rest(users: list[int], who: str) -> None:
    facts = {"notice": "delta", "users": users, "number": 3, "author": 99, "count": 40}
    text, ping = notice_text(facts)
    assert text == f"{who} by <@99> with changing their mind (40 in all)."
    assert ping is None


def test_a_delta_notice_written_before_credits_were_grouped_still_reads() -> None:
    facts = {"notice": "delta", "user": 11, "number": 3, "author": 99, "count": 1}
    assert notice_text(facts)[0].startswith("Δ <@11> credits #3 by <@99>")
