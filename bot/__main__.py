"""``python -m bot`` does what the ``debate-bot`` console script does."""

from bot.cli.main import main

raise SystemExit(main())
