"""Prompt templates: Markdown files with YAML front matter whose body is a Jinja template.

Each file in ``prompts/`` says what it is for (``description``), which facts it receives
(``facts``) and, for summaries, the embed title (``title``, itself a template). An operator's
``summaries.prompts_dir`` overrides files by name; a file missing there falls back to the
shipped one. Errors name the file and line: the body is compiled with the front matter's lines
kept blank, so Jinja's line numbers are the file's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

import jinja2
import yaml
from jinja2.sandbox import ImmutableSandboxedEnvironment

import bot
from bot.summaries.filters import FILTERS

SHIPPED_DIR = Path(bot.__file__).resolve().parents[1] / "prompts"
KIND_TEMPLATES: dict[str, str] = {
    "phase": "phase_summary",
    "final": "final_results",
    "status": "status",
}
LLM_SYSTEM = "llm_system"
LLM_USER = "llm_user"
ALL_TEMPLATES: tuple[str, ...] = (*KIND_TEMPLATES.values(), LLM_SYSTEM, LLM_USER)
SUFFIX = ".md"

TITLE_LIMIT = 256
TEXT_LIMIT = 4096
EMBED_LIMIT = 6000


class PromptError(Exception):
    """A template that cannot be used; ``str()`` is ``path:line: message``."""

    def __init__(self, path: Path, line: int | None, message: str) -> None:
        super().__init__(f"{path}:{line or 1}: {message}")
        self.path, self.line, self.message = path, line or 1, message


def clip(text: str, limit: int) -> str:
    """Hard truncation with an ellipsis: the last safety net for Discord's limits."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def tidy(text: str) -> str:
    """Trim trailing spaces and collapse runs of blank lines a template leaves behind."""
    lines = [line.rstrip() for line in text.strip().splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines))


def fit_embed(title: str, text: str) -> tuple[str, str]:
    """Title ≤ 256, description ≤ 4096, both ≤ 6000 together."""
    title = clip(" ".join(title.split()) or "Summary", TITLE_LIMIT)
    text = clip(text or "—", min(TEXT_LIMIT, EMBED_LIMIT - len(title)))
    return title, text


def _environment() -> jinja2.Environment:
    env = ImmutableSandboxedEnvironment(
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(FILTERS)
    return env


def error_line(exc: BaseException, filename: str) -> int | None:
    """The template line an error was raised at, from Jinja's rewritten traceback."""
    line = getattr(exc, "lineno", None) if isinstance(exc, jinja2.TemplateSyntaxError) else None
    tb: TracebackType | None = exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == filename:
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


@dataclass(frozen=True)
class PromptTemplate:
    """One loaded prompt file."""

    name: str
    path: Path
    description: str
    facts: tuple[str, ...]
    title: jinja2.Template | None
    body: jinja2.Template

    @property
    def shipped(self) -> bool:
        return self.path.parent.resolve() == SHIPPED_DIR

    def render(self, context: dict[str, Any]) -> tuple[str, str]:
        """The rendered (title, body); errors become :class:`PromptError` with the line."""
        title = self._run(self.title, context) if self.title is not None else ""
        return title, tidy(self._run(self.body, context))

    def _run(self, template: jinja2.Template, context: dict[str, Any]) -> str:
        try:
            return template.render(context)
        except jinja2.TemplateError as exc:
            raise PromptError(self.path, error_line(exc, str(self.path)), str(exc)) from exc


def _split(path: Path, text: str) -> tuple[dict[str, Any], int, str]:
    """Front matter, the number of lines it takes, and the body with those lines blanked."""
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].strip() != "---":
        raise PromptError(path, 1, "missing front matter: the file must start with '---'")
    end = next((i for i in range(1, len(lines)) if lines[i].strip() == "---"), None)
    if end is None:
        raise PromptError(path, 1, "front matter is not closed by a '---' line")
    try:
        meta = yaml.safe_load("".join(lines[1:end])) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 2 if mark else 1
        raise PromptError(path, line, "front matter is not valid YAML") from None
    if not isinstance(meta, dict):
        raise PromptError(path, 2, "front matter must be a mapping")
    return meta, end + 1, "\n" * (end + 1) + "".join(lines[end + 1 :])


def _compile(env: jinja2.Environment, source: str, name: str, filename: str) -> jinja2.Template:
    """Compile with the file's name, so errors and tracebacks carry the right path and line."""
    code = env.compile(source, name, filename)
    return env.template_class.from_code(env, code, env.make_globals(None), None)


def _key_line(text: str, key: str) -> int:
    for number, line in enumerate(text.splitlines(), start=1):
        if line.startswith(f"{key}:"):
            return number
    return 1


def load_template(name: str, path: Path, *, needs_title: bool) -> PromptTemplate:
    """Read and compile ``path``; any problem is a :class:`PromptError` naming the line."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise PromptError(path, 1, f"cannot read the file ({exc.strerror})") from None
    meta, _, body = _split(path, text)
    description, facts, title = meta.get("description"), meta.get("facts"), meta.get("title")
    if not isinstance(description, str) or not description.strip():
        raise PromptError(path, _key_line(text, "description"), "'description' must be text")
    if not isinstance(facts, list) or not all(isinstance(f, str) for f in facts):
        raise PromptError(path, _key_line(text, "facts"), "'facts' must be a list of names")
    if needs_title and (not isinstance(title, str) or not title.strip()):
        raise PromptError(path, _key_line(text, "title"), "'title' must be a template string")
    env, filename = _environment(), str(path)
    try:
        compiled_title = None
        if isinstance(title, str):
            padded = "\n" * (_key_line(text, "title") - 1) + title
            compiled_title = _compile(env, padded, name, filename)
        compiled_body = _compile(env, body, name, filename)
    except jinja2.TemplateSyntaxError as exc:
        raise PromptError(path, exc.lineno, exc.message or "template syntax error") from None
    return PromptTemplate(
        name=name,
        path=path,
        description=description.strip(),
        facts=tuple(facts),
        title=compiled_title,
        body=compiled_body,
    )


class PromptLibrary:
    """The prompt files in use: the override directory first, then the shipped ones."""

    def __init__(self, override_dir: Path | None = None) -> None:
        self.override_dir = override_dir
        self._cache: dict[str, PromptTemplate] = {}

    def path_of(self, name: str) -> Path:
        """Where ``name`` is read from: the override if it has the file, else the shipped one."""
        if self.override_dir is not None:
            candidate = self.override_dir / f"{name}{SUFFIX}"
            if candidate.is_file():
                return candidate
        return SHIPPED_DIR / f"{name}{SUFFIX}"

    def get(self, name: str) -> PromptTemplate:
        if name not in self._cache:
            needs_title = name in KIND_TEMPLATES.values()
            self._cache[name] = load_template(name, self.path_of(name), needs_title=needs_title)
        return self._cache[name]

    def shipped(self, name: str) -> PromptTemplate:
        """The shipped version of ``name``, ignoring any override (the runtime fallback)."""
        needs_title = name in KIND_TEMPLATES.values()
        return load_template(name, SHIPPED_DIR / f"{name}{SUFFIX}", needs_title=needs_title)
