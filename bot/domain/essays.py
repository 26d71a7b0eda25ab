"""Essays whose propositions are debated: the import file's schema, checked with line numbers,
and the paragraph order the annotated essay follows.

An import file is YAML::

    key: my-essay                # optional; a slug of the title otherwise
    title: The essay's title
    author: Its author
    source_url: https://example.org/essay
    reproducible: false          # true only if you may reproduce the paragraphs below
    paragraphs:                  # optional: paragraph number -> text
      1: ...
    propositions:
      - number: 1                # optional; the position in the list otherwise
        text: The proposition, in your own words.
        paragraphs: "1-2"        # where in the essay it comes from
        context: One line of your own on the passage.
"""

from __future__ import annotations

import re
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from bot.domain.errors import Refusal

MAX_PROPOSITION_LENGTH = 300
MAX_CONTEXT_LENGTH = 500
MAX_PARAGRAPH_LENGTH = 10_000
PARAGRAPH_REF = re.compile(r"^\s*\d+(\s*-\s*\d+)?(\s*,\s*\d+(\s*-\s*\d+)?)*\s*$")
SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,47}$")
#: The key of the essay shipped with the bot (its motions are ``essay-N``).
BUILTIN_KEY = "builtin"


class EssayFileError(Refusal):
    """An import file that does not load; ``message`` lists each problem with its line."""

    code = "bad_essay_file"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class PropositionSpec(_Strict):
    """One proposition of an imported essay."""

    number: int | None = Field(default=None, ge=1, le=999)
    text: str = Field(min_length=10, max_length=MAX_PROPOSITION_LENGTH)
    paragraphs: str = Field(max_length=32)
    context: str | None = Field(default=None, max_length=MAX_CONTEXT_LENGTH)

    @field_validator("paragraphs", mode="before")
    @classmethod
    def _as_text(cls, value: Any) -> Any:
        return str(value) if isinstance(value, int) else value

    @field_validator("paragraphs")
    @classmethod
    def _reference(cls, value: str) -> str:
        if not PARAGRAPH_REF.match(value):
            raise ValueError("paragraph references look like 3, 1-2 or 4, 9")
        return value


class EssaySpec(_Strict):
    """A whole import file."""

    key: str | None = None
    title: str = Field(min_length=1, max_length=200)
    author: str | None = Field(default=None, max_length=200)
    source_url: str | None = Field(default=None, max_length=500)
    reproducible: bool = False
    paragraphs: dict[int, str] = Field(default_factory=dict)
    propositions: list[PropositionSpec] = Field(min_length=1, max_length=50)

    @field_validator("key")
    @classmethod
    def _slug(cls, value: str | None) -> str | None:
        if value is not None and (not SLUG.match(value) or value == BUILTIN_KEY):
            raise ValueError(
                "use lowercase letters, digits and dashes (at most 48), and not 'builtin'"
            )
        return value

    @field_validator("source_url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("https://", "http://")):
            raise ValueError("a source URL starts with https:// or http://")
        return value

    @field_validator("paragraphs")
    @classmethod
    def _paragraphs(cls, value: dict[int, str]) -> dict[int, str]:
        for number, text in value.items():
            if number < 1:
                raise ValueError("paragraphs are numbered from 1")
            if not text.strip() or len(text) > MAX_PARAGRAPH_LENGTH:
                raise ValueError(f"paragraph {number} is empty or over {MAX_PARAGRAPH_LENGTH}")
        return value

    @model_validator(mode="after")
    def _numbers(self) -> EssaySpec:
        numbers = [p.number or i for i, p in enumerate(self.propositions, start=1)]
        if len(set(numbers)) != len(numbers):
            raise ValueError("two propositions have the same number")
        return self

    @property
    def slug(self) -> str:
        """The essay's key: given, or made from the title."""
        if self.key:
            return self.key
        made = re.sub(r"[^a-z0-9]+", "-", self.title.lower()).strip("-")[:48].strip("-")
        return made or "essay"

    def numbered(self) -> list[tuple[int, PropositionSpec]]:
        """Each proposition with its number (given, or its place in the list)."""
        return [(p.number or i, p) for i, p in enumerate(self.propositions, start=1)]


def parse_essay_file(text: str, source: str = "<essay>") -> EssaySpec:
    """Load and check an import file; every problem is reported with its line number."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{source}:{mark.line + 1}" if mark is not None else source
        raise EssayFileError(f"{where}: not valid YAML ({getattr(exc, 'problem', exc)})") from exc
    if not isinstance(data, dict) or root is None:
        raise EssayFileError(f"{source}:1: the file must be a mapping with title and propositions")
    try:
        return EssaySpec.model_validate(data)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            line = _line_of(root, error["loc"])
            path = ".".join(str(part) for part in error["loc"]) or "(file)"
            problems.append(f"{source}:{line}: {path}: {error['msg']}")
        raise EssayFileError("\n".join(problems)) from exc


def _line_of(node: yaml.Node, loc: tuple[int | str, ...]) -> int:
    """The 1-based line of the deepest node along ``loc`` (a pydantic error location)."""
    current = node
    for part in loc:
        if isinstance(current, yaml.MappingNode):
            for key, value in current.value:
                if str(key.value) == str(part):
                    current = value
                    break
            else:
                break
        elif isinstance(current, yaml.SequenceNode) and isinstance(part, int):
            if part >= len(current.value):
                break
            current = current.value[part]
        else:
            break
    return current.start_mark.line + 1


def paragraph_numbers(reference: str | None) -> list[int]:
    """The paragraphs a reference such as ``1-2`` or ``4, 9`` names, in order."""
    found: list[int] = []
    for part in (reference or "").split(","):
        bounds = [int(b) for b in re.findall(r"\d+", part)]
        if len(bounds) == 1:
            found.append(bounds[0])
        elif len(bounds) == 2:
            found.extend(range(bounds[0], bounds[1] + 1))
    return found


def paragraph_order(reference: str | None, number: int | None) -> tuple[int, int]:
    """Sort key following the essay: first paragraph named, then the proposition's number."""
    first = paragraph_numbers(reference)
    return (first[0] if first else 10**6, number or 0)
