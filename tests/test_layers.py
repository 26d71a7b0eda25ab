"""The layer rule: only the adapter imports discord; the domain imports neither discord nor
SQLAlchemy. Checked on the source's import statements, so a lazy import counts too."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "bot"


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


def sources(*, exclude: str | None = None, only: str | None = None) -> list[Path]:
    files = sorted(PACKAGE.rglob("*.py"))
    if only:
        files = [f for f in files if f.relative_to(PACKAGE).parts[0] == only]
    if exclude:
        files = [f for f in files if f.relative_to(PACKAGE).parts[0] != exclude]
    return files


@pytest.mark.parametrize(
    "path", sources(exclude="adapter"), ids=lambda p: str(p.relative_to(PACKAGE))
)
def test_only_the_adapter_imports_discord(path: Path) -> None:
    assert "discord" not in imported_modules(path)


@pytest.mark.parametrize("path", sources(only="domain"), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_domain_is_pure(path: Path) -> None:
    assert not imported_modules(path) & {"discord", "sqlalchemy", "aiosqlite", "asyncpg", "alembic"}


def test_the_check_sees_an_import(tmp_path: Path) -> None:
    sample = tmp_path / "x.py"
    sample.write_text("def f():\n    import discord.ext\n    from sqlalchemy import select\n")
    assert imported_modules(sample) == {"discord", "sqlalchemy"}
