"""Essay import files (checked, with line numbers), paragraph order, series choices and the
room's conclusions."""

from __future__ import annotations

import pytest

from bot.domain.enums import Stance
from bot.domain.errors import BadPropositions
from bot.domain.essays import EssayFileError, paragraph_numbers, paragraph_order, parse_essay_file
from bot.domain.scoring import outcome
from bot.domain.series import Conclusion, choose_propositions, conclusion

GOOD = """\
title: A short essay on bridges
author: A. Writer
source_url: https://example.org/bridges
reproducible: true
paragraphs:
  1: Bridges join towns.
  2: Towns with bridges trade more.
propositions:
  - text: Every river town should build a second bridge.
    paragraphs: "1-2"
    context: The author's case for redundancy.
  - number: 5
    text: Toll bridges pay for themselves within a decade.
    paragraphs: 2
"""


def test_a_good_file_loads_with_numbers_and_a_slug() -> None:
    spec = parse_essay_file(GOOD, "bridges.yaml")
    assert spec.slug == "a-short-essay-on-bridges"
    assert [n for n, _ in spec.numbered()] == [1, 5]
    assert spec.propositions[1].paragraphs == "2"
    assert spec.paragraphs[2] == "Towns with bridges trade more."


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (GOOD.replace('paragraphs: "1-2"', 'paragraphs: "first"'), ["bridges.yaml:10:"]),
        (GOOD.replace("    paragraphs: 2\n", ""), ["bridges.yaml:12:", "paragraphs"]),
        (GOOD.replace("https://example.org/bridges", "example.org"), ["bridges.yaml:3:"]),
        (GOOD.replace("author: A. Writer", "autor: A. Writer"), ["bridges.yaml:2:", "autor"]),
        (GOOD.replace("  - number: 5", "  - number: 1"), ["propositions", "same number"]),
        ("title: [unclosed\n", ["bridges.yaml:2:", "not valid YAML"]),
        ("- just a list\n", ["bridges.yaml:1:", "mapping"]),
    ],
)
def test_a_bad_file_is_refused_with_the_line(body: str, expected: list[str]) -> None:
    with pytest.raises(EssayFileError) as refused:
        parse_essay_file(body, "bridges.yaml")
    for part in expected:
        assert part in refused.value.message


def test_paragraph_references_and_order() -> None:
    assert paragraph_numbers("1-2") == [1, 2]
    assert paragraph_numbers("4, 9") == [4, 9]
    assert paragraph_numbers(None) == []
    refs = [("8, 12", 8), ("4", 3), ("4, 9", 4), ("1-2", 1), (None, 13)]
    ordered = sorted(refs, key=lambda r: paragraph_order(r[0], r[1]))
    assert [n for _, n in ordered] == [1, 3, 4, 8, 13]


def test_choose_propositions() -> None:
    valid = list(range(1, 13))
    assert choose_propositions("all", valid) == valid
    assert choose_propositions(None, valid) == valid
    assert choose_propositions("7, 1,4,7", valid) == [7, 1, 4]
    for bad in ("0", "13", "1,x", ",", "one"):
        with pytest.raises(BadPropositions) as refused:
            choose_propositions(bad, valid)
        assert "1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12" in refused.value.message


def _final(for_: int, against: int, undecided: int) -> Conclusion:
    votes = [Stance.FOR] * for_ + [Stance.AGAINST] * against + [Stance.UNDECIDED] * undecided
    return conclusion(outcome(None, dict(enumerate(votes))))


def test_conclusion_reads_the_final_vote() -> None:
    assert _final(6, 4, 0) is Conclusion.PERSUADED
    assert _final(4, 6, 0) is Conclusion.REJECTED
    assert _final(5, 4, 1) is Conclusion.PERSUADED  # 50% against 40%: ten points
    assert _final(9, 8, 3) is Conclusion.SPLIT  # 45% against 40%
    assert _final(0, 0, 0) is Conclusion.SPLIT
