"""The rule catalogue (codes, levels, thresholds, sources) and the per-example checks.

Importing this package registers every rule; `registry.RULES` then lists them all.
"""

from app.core.rules import catalogue, example_rules, chat_rules, tool_rules  # noqa: F401  (registration side effects)
