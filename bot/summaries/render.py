"""Render a summary kind from its facts with the template backend, within Discord's limits."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from bot.summaries.facts import SummaryFacts
from bot.summaries.templates import KIND_TEMPLATES, PromptError, PromptLibrary, fit_embed

log = logging.getLogger("bot.summaries")


@dataclass(frozen=True, slots=True)
class Rendered:
    """A template's output, already cut to fit one embed."""

    template: str
    title: str
    text: str


def render_summary(library: PromptLibrary, facts: SummaryFacts) -> Rendered:
    """The template summary of ``facts.kind``.

    Start-up test-renders every template, but a branch it did not reach can still fail: an
    operator's override then falls back to the shipped template (logged) rather than failing
    the post.
    """
    name = KIND_TEMPLATES[facts.kind]
    template = library.get(name)
    try:
        title, text = template.render(facts.context())
    except PromptError as exc:
        if template.shipped:
            raise
        log.error("summary template failed, using the shipped one instead: %s", exc)
        title, text = library.shipped(name).render(facts.context())
    title, text = fit_embed(title, text)
    return Rendered(name, title, text)
