"""Every rule of RULES.md with its code, level, kinds, threshold and source (the contract)."""

from app.core.rules.registry import ALL, define

# Per example ------------------------------------------------------------------------------
define("input-empty", "error", ALL, "example", "—", "app (forms)",
       "A field the project marks required is empty (after trimming).")
define("output-empty", "error", ("cls", "gen", "pref"), "example", "—",
       "legacy validator (empty completion rows removed)",
       "The completion / label / preferred output is empty.")
define("label-unknown", "error", ("cls",), "example", "—", "seed (predefined classes)",
       "The label is not in the project's label set.")
