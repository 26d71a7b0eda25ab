"""Pure debate rules: formats, phases, who may do what and when, and scoring.

Nothing here imports discord or SQLAlchemy; a test enforces it.
"""
