"""Debate exports: one model (:mod:`.model`) and five writers (Markdown, HTML, JSON, CSV,
Argdown).

The writers are pure: no Discord, no database. :mod:`bot.services.exports` streams the
model out of the database; :mod:`.cli` is ``debate-bot export``. See ``README.md`` here.
"""
