"""How exports name members: display names, @username on a clash, ids for the unknown."""

from __future__ import annotations

from bot.exports.model import People, Person


def test_a_known_member_is_named_by_display_name() -> None:
    people = People({"1": Person("Ada", "ada_l"), "2": Person("Brian", "brian")})
    assert people.label("1") == "Ada"
    assert people.label("2") == "Brian"


def test_a_shared_display_name_adds_the_username() -> None:
    people = People(
        {"1": Person("Sam", "sam_one"), "2": Person("sam", "sam_two"), "3": Person("Ada", "ada")}
    )
    assert people.label("1") == "Sam (@sam_one)"
    assert people.label("2") == "sam (@sam_two)"
    assert people.label("3") == "Ada"


def test_a_member_never_seen_keeps_the_id() -> None:
    people = People({"1": Person("Ada", "ada")})
    assert people.label("42") == "42"
    assert people.label(None) == ""
    assert "42" not in people and "1" in people


def test_people_list_in_id_order() -> None:
    people = People({"2": Person("B"), "1": Person("A")})
    assert [user for user, _ in people.items()] == ["1", "2"]
    assert len(people) == 2
