"""Load and test-render every prompt template, as start-up and ``debate-bot check-prompts`` do.

A broken template must stop the bot before a debate runs into it, with the file and line.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from typing import Any

from bot.config import ConfigError, Settings
from bot.summaries.facts import FACT_NAMES, KINDS, SummaryFacts
from bot.summaries.llm import new_boundary
from bot.summaries.sample import sample_facts
from bot.summaries.templates import (
    ALL_TEMPLATES,
    KIND_TEMPLATES,
    PromptError,
    PromptLibrary,
    PromptTemplate,
    fit_embed,
)

EXTRA_NAMES = frozenset({"facts", "boundary"})


def _library(settings: Settings) -> tuple[PromptLibrary, list[str]]:
    folder = settings.summaries.prompts_dir
    if folder is not None and not folder.is_dir():
        return PromptLibrary(None), [f"{folder}:1: summaries.prompts_dir is not a directory"]
    return PromptLibrary(folder), []


def _samples(name: str) -> Iterator[SummaryFacts]:
    """Every variant a template may meet: its kinds, with results shown and hidden."""
    kinds = [k for k, n in KIND_TEMPLATES.items() if n == name] or list(KINDS)
    for kind in kinds:
        for visible in (True, False):
            yield sample_facts(kind, results_visible=visible)


def _check(template: PromptTemplate) -> list[str]:
    problems = [
        f"{template.path}:1: 'facts' names {name!r}, which is not a fact "
        f"(known: {', '.join(FACT_NAMES)})"
        for name in template.facts
        if name not in FACT_NAMES and name not in EXTRA_NAMES
    ]
    for facts in _samples(template.name):
        context: dict[str, Any] = {**facts.context(), "boundary": new_boundary()}
        try:
            title, text = template.render(context)
        except PromptError as exc:
            return [*problems, str(exc)]
        if template.title is not None:
            fit_embed(title, text)
    return problems


def check_prompts(settings: Settings) -> list[str]:
    """Problems with the prompt templates in use, each ``path:line: message``; empty if fine."""
    library, problems = _library(settings)
    for name in ALL_TEMPLATES:
        try:
            template = library.get(name)
        except PromptError as exc:
            problems.append(str(exc))
            continue
        problems.extend(_check(template))
    return problems


def require_prompts(settings: Settings) -> None:
    """For start-up: raise :class:`ConfigError` (exit status 2) naming each broken template."""
    problems = check_prompts(settings)
    if problems:
        raise ConfigError("broken prompt templates:\n  " + "\n  ".join(problems))


async def check_prompts_command(settings: Settings) -> int:
    """``debate-bot check-prompts``: OK per file, or the problems; exit status 0 or 2."""
    problems = check_prompts(settings)
    library, _ = _library(settings)
    for name in ALL_TEMPLATES:
        path = library.path_of(name)
        if not any(p.startswith(f"{path}:") for p in problems):
            print(f"OK {path}: {library.get(name).description}")
    for problem in problems:
        print(problem, file=sys.stderr)
    return 2 if problems else 0
