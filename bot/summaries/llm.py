"""The optional language-model backend: prompt building, the HTTP client, and the answer check.

The prompt carries the facts and the arguments, each argument fenced between markers with a
per-request random boundary that the system prompt declares untrusted data. The answer is
checked before anything is posted (:func:`verify_answer`); the caller falls back to the template
summary on any problem.
"""

from __future__ import annotations

import asyncio
import os
import re
import secrets
from dataclasses import dataclass

import aiohttp

from bot.config import LlmConfig
from bot.summaries.facts import SummaryFacts
from bot.summaries.templates import LLM_SYSTEM, LLM_USER, PromptLibrary

MIN_QUOTE = 8
QUOTE_RE = re.compile(rf'"([^"\n]{{{MIN_QUOTE},}})"|“([^”\n]{{{MIN_QUOTE},}})”')
REF_RE = re.compile(r"(?<![<\w&])#(\d+)\b")
PERCENT_RE = re.compile(r"(\d+(?:[.,]\d+)?)\s?%")
COUNT_RE = re.compile(
    r"\b(\d+)\s+(?:votes?|voters?|arguments?|members?|participants?|debaters?|"
    r"persuasive marks?|mind changes?|rebuttals?|answers?|replies|reply)\b",
    re.IGNORECASE,
)
ELLIPSIS_RE = re.compile(r"\.\.\.|…")
MENTION_RE = re.compile(r"<@!?(\d+)>|@everyone|@here")


class LlmError(Exception):
    """The model could not give an answer: timeout, HTTP error, bad or empty reply."""


@dataclass(frozen=True, slots=True)
class Prompt:
    system: str
    user: str
    boundary: str


def new_boundary() -> str:
    """A marker members cannot guess, fresh for every request."""
    return "DATA-" + secrets.token_hex(8).upper()


def build_prompt(
    library: PromptLibrary, facts: SummaryFacts, boundary: str | None = None
) -> Prompt:
    """Render the system and user messages for ``facts``."""
    marker = boundary or new_boundary()
    context = {**facts.context(), "boundary": marker}
    _, system = library.get(LLM_SYSTEM).render(context)
    _, user = library.get(LLM_USER).render(context)
    return Prompt(system, user, marker)


class ChatClient:
    """A minimal OpenAI-compatible chat-completions client (Ollama, llama.cpp, hosted)."""

    def __init__(self, config: LlmConfig) -> None:
        self.config = config

    def _headers(self) -> dict[str, str]:
        headers = {"Content-Type": "application/json"}
        key = os.environ.get(self.config.api_key_env, "") if self.config.api_key_env else ""
        if key:
            headers["Authorization"] = f"Bearer {key}"
        return headers

    async def complete(self, prompt: Prompt) -> str:
        """The model's answer text; any failure is an :class:`LlmError` saying why."""
        url = self.config.base_url.rstrip("/") + "/chat/completions"
        payload = {
            "model": self.config.model,
            "messages": [
                {"role": "system", "content": prompt.system},
                {"role": "user", "content": prompt.user},
            ],
            "max_tokens": self.config.max_tokens,
            "temperature": 0.2,
            "stream": False,
        }
        timeout = aiohttp.ClientTimeout(total=self.config.timeout_seconds)
        try:
            async with (
                aiohttp.ClientSession(timeout=timeout) as session,
                session.post(url, json=payload, headers=self._headers()) as response,
            ):
                if response.status != 200:
                    raise LlmError(f"HTTP {response.status} from {url}")
                data = await response.json(content_type=None)
        except TimeoutError:
            raise LlmError(f"no answer within {self.config.timeout_seconds:g} s") from None
        except (aiohttp.ClientError, ValueError) as exc:
            raise LlmError(f"request failed: {type(exc).__name__}: {exc}") from None
        return _answer_text(data)


def _answer_text(data: object) -> str:
    try:
        content = data["choices"][0]["message"]["content"]  # type: ignore[index]
    except (KeyError, IndexError, TypeError):
        raise LlmError("the reply has no choices[0].message.content") from None
    if not isinstance(content, str) or not content.strip():
        raise LlmError("the answer is empty")
    return content.strip()


def _normal(text: str) -> str:
    text = text.replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"')
    return " ".join(text.casefold().split())


def verify_answer(answer: str, facts: SummaryFacts) -> list[str]:
    """Problems with a model answer; empty when every quote, ``#n`` and number checks out.

    - every quoted passage (≥ 8 characters; ellipses split it) occurs in the motion or in the
      text of a visible argument the model was given;
    - every ``#n`` is a visible argument of this debate;
    - every percentage is within 1 of a percentage in the facts (none while results are hidden);
    - every count of votes, voters, arguments, members ... is a count in the facts;
    - every member mention is an author the facts name; no ``@everyone`` or ``@here``.
    """
    if not answer.strip():
        return ["the answer is empty"]
    problems: list[str] = []
    sources = [_normal(facts.motion.text), *(_normal(a.body) for a in facts.texts)]
    for match in QUOTE_RE.finditer(answer):
        quote = match.group(1) or match.group(2)
        for piece in ELLIPSIS_RE.split(quote):
            wanted = _normal(piece).strip(" .,;:!?'\"")
            if len(wanted) >= MIN_QUOTE and not any(wanted in source for source in sources):
                problems.append(f"quote not found in any argument: {quote[:80]!r}")
                break
    for match in REF_RE.finditer(answer):
        if int(match.group(1)) not in facts.visible_numbers:
            problems.append(f"#{match.group(1)} is not a visible argument of this debate")
    allowed = facts.percentages()
    for match in PERCENT_RE.finditer(answer):
        value = round(float(match.group(1).replace(",", ".")))
        if not any(abs(value - known) <= 1 for known in allowed):
            problems.append(f"{match.group(0).strip()} matches no percentage in the facts")
    counts = facts.counts()
    for match in COUNT_RE.finditer(answer):
        if int(match.group(1)) not in counts:
            problems.append(f"{match.group(0)!r} matches no count in the facts")
    authors = {a.author_id for a in (*facts.texts, *facts.cited())}
    for match in MENTION_RE.finditer(answer):
        if match.group(1) is None or int(match.group(1)) not in authors:
            problems.append(f"{match.group(0)} is not an author named in the facts")
    return problems


async def llm_summary(
    client: ChatClient, library: PromptLibrary, facts: SummaryFacts
) -> tuple[str, Prompt]:
    """Ask the model and check its answer; :class:`LlmError` says why it cannot be used."""
    prompt = build_prompt(library, facts)
    try:
        answer = await asyncio.wait_for(
            client.complete(prompt), timeout=client.config.timeout_seconds + 1
        )
    except TimeoutError:
        raise LlmError(f"no answer within {client.config.timeout_seconds:g} s") from None
    problems = verify_answer(answer, facts)
    if problems:
        raise LlmError("the answer failed the check: " + "; ".join(problems[:5]))
    return answer, prompt
