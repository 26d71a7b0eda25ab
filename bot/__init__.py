"""Debate bot: moderated, structured debates on the propositions of an essay, run in Discord."""

__version__ = "0.1.0"
