"""The scripted debate of the demo: who says what, and how everyone votes."""

from __future__ import annotations

MOTION_SEARCH = "alignment russia vulnerable"

OPENINGS = {
    "Ada": "Russia is fighting a war it cannot finish. A patron that stretched cannot "
    "defend anyone else, so leaning on it adds risk to Pyongyang, not safety.",
    "Cleo": "The partnership brings fuel, food and technology that North Korea could not "
    "get elsewhere. That is security bought at a price the regime can afford.",
}
CLAIMS = [
    ("Ben", "Syria showed it: when the crisis came, Moscow had nothing to send."),
    ("Dev", "Moscow now needs North Korean shells. Dependence runs both ways."),
]
REBUTTALS = [
    # (author, the claim's author whose argument is rebutted, text, by modal?)
    ("Dev", "Ben", "Syria was far away and marginal; Korea borders Russia.", False),
    (
        "Ben",
        "Dev",
        "Shells buy favours only while the war lasts; after that, the debt is gone.",
        True,
    ),
]
CLOSINGS = {
    "Ada": "A regime that needs a distracted patron to survive is more exposed, not less.",
    "Cleo": "Every alternative leaves Pyongyang more alone; this alignment is its best option.",
}
PRE_VOTES = ["for", "for", "against", "against", "against", "undecided"]
POST_VOTES = ["for", "for", "for", "for", "against", "against"]
DELTA = (
    "Listener3",
    "Ben",
    "The Syria example showed me that a stretched patron does not come to the rescue.",
)
