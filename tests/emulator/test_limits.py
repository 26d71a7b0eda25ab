"""The limit validators, called directly."""

from __future__ import annotations

from bot.emulator import limits


def test_content_and_embeds() -> None:
    assert limits.check_content("x" * 2000) == []
    assert limits.check_content("x" * 2001)
    embed = {"title": "t" * 257, "fields": [{"name": "n", "value": "v" * 1025}] * 26}
    paths = {p for p, _ in limits.check_embeds([embed])}
    assert {"embeds.0.title", "embeds.0.fields", "embeds.0.fields.0.value"} <= paths
    assert limits.check_embeds([{"footer": {"text": "f" * 2049}}])
    assert limits.check_embeds([{"author": {"name": "a" * 257}}])
    assert limits.embed_length({"title": "ab", "fields": [{"name": "c", "value": "d"}]}) == 4


def test_components_and_modal() -> None:
    row = {
        "type": 1,
        "components": [{"type": 2, "style": 1, "custom_id": f"c{i}"} for i in range(6)],
    }
    assert any("5 buttons" in m for _, m in limits.check_components([row]))
    assert limits.check_components(
        [{"type": 1, "components": [{"type": 2, "style": 1, "custom_id": "x", "label": "l" * 81}]}]
    )
    select = {"type": 3, "custom_id": "s", "options": []}
    mixed = {"type": 1, "components": [select, {"type": 2, "style": 1, "custom_id": "b"}]}
    assert limits.check_components([mixed])
    link = {"type": 1, "components": [{"type": 2, "style": 5, "url": "https://x", "label": "l"}]}
    assert limits.check_components([link]) == []
    text = {"type": 4, "custom_id": "t", "label": "L", "style": 1}
    ok = {"custom_id": "m", "title": "T", "components": [{"type": 1, "components": [text]}]}
    assert limits.check_modal(ok) == []
    assert limits.check_modal({**ok, "components": [ok["components"][0]] * 6})
    assert limits.check_text_input_value("v" * 4001)


def test_commands() -> None:
    good = {
        "name": "rebut",
        "description": "d",
        "options": [
            {"name": "argument", "description": "a", "type": 4, "required": True},
            {"name": "text", "description": "t", "type": 3},
        ],
    }
    assert limits.check_commands([good]) == []
    assert limits.check_commands([good, good])  # duplicate name
    assert limits.check_command({"name": "x" * 33, "description": "d"})
    assert limits.check_command({"name": "has space", "description": "d"})
    assert limits.check_command({"name": "Report", "type": 3, "description": ""}) == []
    choices = [{"name": str(i), "value": str(i)} for i in range(26)]
    assert limits.check_command(
        {
            "name": "c",
            "description": "d",
            "options": [{"name": "o", "description": "d", "type": 3, "choices": choices}],
        }
    )
    huge = {
        "name": "c",
        "description": "d",
        "options": [
            {
                "name": f"o{i}",
                "description": "d" * 100,
                "type": 3,
                "choices": [{"name": "n" * 100, "value": "v" * 100}] * 25,
            }
            for i in range(2)
        ],
    }
    assert any("8000" in m for _, m in limits.check_command(huge))


def test_misc_and_error_body() -> None:
    assert limits.check_thread_name("") and limits.check_thread_name("t" * 101)
    assert limits.check_auto_archive(30) and limits.check_auto_archive(10080) == []
    assert limits.check_autocomplete_choices([{"name": "", "value": 1}])
    assert limits.check_attachments([("a", 11)], attachment_size_limit=10)
    assert limits.check_attachments([("a", 1)] * 11)
    assert limits.check_allowed_mentions({"parse": ["users"], "users": ["1"]})
    body = limits.error_body([("embeds.0.title", "too long")])
    assert body["code"] == 50035
    assert body["errors"]["embeds"]["0"]["title"]["_errors"][0]["message"] == "too long"
