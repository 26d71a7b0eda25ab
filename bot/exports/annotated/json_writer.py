"""JSON: the annotated essay with its numbers, keys in a fixed order."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

from bot.exports.annotated.model import SCHEMA_VERSION, AnnotatedEssay
from bot.exports.model import iso


def write_json(essay: AnnotatedEssay) -> str:
    """The whole annotated essay; percentages and swings are rounded to 0.1."""
    document: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "kind": "annotated_essay",
        "series": {
            "id": essay.series_id,
            "guild_id": str(essay.guild_id),
            "schedule": essay.schedule,
            "format": essay.format,
            "status": essay.status,
            "created_at": iso(essay.created_at),
            "closed_at": iso(essay.closed_at),
        },
        "essay": {
            "title": essay.essay_title,
            "author": essay.essay_author,
            "source_url": essay.essay_url,
        },
        "propositions": [_rounded(asdict(p)) for p in essay.propositions],
        "concluded": {
            kind: [p.number for p in essay.concluded(kind)]
            for kind in ("persuaded", "rejected", "split")
        },
    }
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def _rounded(value: Any) -> Any:
    if isinstance(value, float):
        return round(value, 1)
    if isinstance(value, dict):
        return {str(k): _rounded(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_rounded(v) for v in value]
    return value
