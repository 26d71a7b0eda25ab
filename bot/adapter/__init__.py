"""The Discord adapter: the only layer that imports discord.

Cogs parse interactions and call services; :mod:`bot.adapter.render` builds every message;
:mod:`bot.adapter.components` holds the persistent buttons and the rebut modal.
"""
