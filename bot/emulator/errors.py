"""Errors the emulator raises to test code."""

from __future__ import annotations


class EmulatorError(Exception):
    """Something a test asked for does not exist, is not registered or breaks a rule."""


class InteractionTimeout(EmulatorError):
    """The bot never answered (or never went quiet for) an interaction."""
