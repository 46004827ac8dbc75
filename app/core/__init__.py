"""Pure core of tunelab: task types, rendering, token counts, rules and export line shapes.

Nothing here imports a web framework, an ORM or a template engine (tests/core/test_purity.py
checks it). Given a project's settings and an example's values, `evaluate()` renders the exact
records that will be exported, counts their tokens and runs the per-example rules. The live
panel, the cached counts, `tunelab check` and every export call these same functions.
"""
