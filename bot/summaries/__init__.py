"""Summaries rendered from the prompt templates in ``prompts/``: the facts they receive, the
template renderer, the optional language-model backend with its answer check, and the
``check-prompts`` command. Fed by :mod:`bot.services.summaries`; no discord, no SQLAlchemy."""
