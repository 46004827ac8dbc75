"""Every rule of RULES.md with its code, level, kinds, threshold and source (the contract).

tests/core/test_catalogue.py checks that every code of the shared RULES.md is defined here with
the same level. `too-long` is a warning here; its check raises it to an error for a target model
that rejects over-limit examples (`ModelInfo.rejects_over_limit`). The `tool-` codes are the app's
own (tool definitions are an app feature RULES.md does not cover): `APP_CODES` lists them, and the
README's "Tool calls and reasoning" section documents them.
"""

from app.core.rules.registry import ALL, define

CLS, GEN, CHAT, PREF = ("classification",), ("generation",), ("chat",), ("preference",)
CLS_GEN = CLS + GEN

# Per example ------------------------------------------------------------------------------
define("input-empty", "error", ALL, "example", "—", "app (forms)",
       "A field the project marks required is empty (after trimming).")
define("output-empty", "error", CLS + GEN + PREF, "example", "—",
       "legacy validator (empty completion rows removed)",
       "The completion / label / preferred output is empty.")
define("label-unknown", "error", CLS, "example", "—", "seed (predefined classes)",
       "The label is not in the project's label set.")
define("label-multi-token", "warning", CLS, "example", "1 token",
       "seed rule 2, legacy guide (max_tokens=1, logprobs)",
       "The label's completion text (with its leading space) is more than one token in the target encoding.")
define("separator-missing", "warning", CLS_GEN, "example", "—", "seed rule 1, legacy guide",
       "The rendered prompt does not end with the project separator.")
define("separator-inside", "warning", CLS_GEN, "example", "≥ 1 occurrence", "legacy validator and guide",
       "The separator also occurs inside the prompt before its end, so the model cannot tell where the prompt ends.")
define("no-leading-space", "warning", CLS_GEN, "example", "—", "legacy validator and guide",
       "The completion does not start with a whitespace character (prompt/completion export).")
define("stop-missing", "warning", GEN, "example", "—", "seed rule 2 (e.g. ` END`), legacy guide",
       "The completion does not end with the project stop sequence.")
define("stop-inside", "warning", GEN, "example", "≥ 1 occurrence", "legacy validator and guide",
       "The stop sequence occurs inside the completion before its end, so generation would stop early.")
define("too-long", "warning", ALL, "example", "model table",
       "OpenAI best-practices guide, cookbook checker",
       "The example's token count exceeds the target model's per-example limit (an error for targets "
       "that reject over-limit examples, such as Vertex and Bedrock; OpenAI truncates from the end).")
define("long-example", "info", CLS_GEN, "example", "10,000 chars", "legacy validator",
       "Prompt + completion are longer than 10,000 characters.")
define("uppercase-heavy", "info", ALL, "example", "upper × 2 > lower (≥ 20 letters)",
       "legacy validator (it counts per column)",
       "A field with at least 20 letters has more than a third of them uppercase.")
define("attributes-natural-language", "info", GEN, "example", "—", "legacy guide (handbag case), seed",
       "The prompt lists attributes as key=value; natural-language attribute lists may work better, "
       "so compare both prompt styles.")
define("special-token", "error", ALL, "example", "—", "reported OpenAI job failures",
       "A text contains a special token of the encoding (such as <|endoftext|>), which providers reject.")
define("chat-no-assistant", "error", CHAT, "example", "—", "cookbook checker, Together",
       "The conversation has no assistant message.")
define("chat-bad-role", "error", CHAT, "example", "—", "OpenAI spec, cookbook checker",
       "A message has a role outside system / user / assistant / tool / function.")
define("chat-function-role", "warning", CHAT, "example", "—", "OpenAI spec",
       "A message uses the deprecated function role (use tool).")
define("chat-empty-message", "error", CHAT, "example", "—", "cookbook checker, OpenAI spec",
       "A message has empty content and no tool call.")
define("chat-weight-invalid", "error", CHAT, "example", "{0, 1}", "OpenAI spec",
       "A weight is not the integer 0 or 1, or is set on a non-assistant message.")
define("chat-last-not-assistant", "warning", CHAT, "example", "—", "Bedrock (Claude, Nova), mistral-common",
       "The conversation does not end with an assistant turn.")
define("chat-roles-not-alternating", "warning", CHAT, "example", "—", "Together validator, Bedrock",
       "The same role occurs twice in a row.")
define("chat-no-user", "warning", CHAT, "example", "—", "cookbook checker",
       "The conversation has no user message.")
define("chat-no-system", "info", CHAT, "example", "—", "cookbook checker",
       "The conversation has no system message.")
define("pref-shape", "error", PREF, "example", "1 + 1", "OpenAI DPO spec, Together",
       "Not exactly one preferred and one non-preferred assistant output, or the input ends with an assistant turn.")
define("pref-not-text", "error", PREF, "example", "—", "OpenAI DPO guide",
       "An input or output is not plain text (images, tool calls).")
define("pref-multi-turn", "warning", PREF, "example", "—", "OpenAI DPO guide",
       "The input holds earlier assistant turns; OpenAI trains preference on one-turn conversations only.")
define("pref-identical", "warning", PREF, "example", "—", "app (nothing to learn)",
       "The preferred and non-preferred outputs are identical.")
define("duplicate", "warning", ALL, "example", "—", "legacy validator",
       "The same input and output as another example in the project / file.")
define("conflict", "warning", CLS_GEN + CHAT, "example", "—", "app (beyond every anchor)",
       "The same input as another example, with a different label / output (label noise).")

# The app's own codes (not in RULES.md): tool calls and results, checked against the project's tools.
APP_CODES = ("tool-unknown", "tool-arguments-invalid", "tool-result-unlinked", "tool-call-unanswered")
define("tool-unknown", "error", CHAT + PREF, "example", "the project's tools", "app (tool definitions)",
       "A tool call names a function that is not among the project's tools (checked when the project defines tools).")
define("tool-arguments-invalid", "error", CHAT + PREF, "example", "the function's parameters schema",
       "OpenAI function calling (arguments are a JSON object), JSON Schema 2020-12",
       "A tool call's arguments are not valid JSON, not an object, or not valid against the function's "
       "parameters schema (the message names the property).")
define("tool-result-unlinked", "error", CHAT + PREF, "example", "—", "OpenAI chat spec (a tool message answers a call)",
       "A tool result answers no earlier call (no call id, an id no turn calls, or a call already answered).")
define("tool-call-unanswered", "warning", CHAT + PREF, "example", "—", "OpenAI chat spec (every call gets a result)",
       "A tool call has no tool result although the conversation goes on after it.")

# File and line checks (`tunelab check`, import) -------------------------------------------
define("line-not-json", "error", ALL, "file", "—", "legacy validator, cookbook checker",
       "The line is not valid JSON (an empty last line is ignored).")
define("line-not-object", "error", ALL, "file", "—", "cookbook checker",
       "The line is JSON but not an object.")
define("bom", "error", ALL, "file", "—", "format-corrections (Azure, Together)",
       "The file starts with a UTF-8 byte-order mark (only the Azure export adds one).")
define("not-utf8", "error", ALL, "file", "—", "provider docs (UTF-8 required)",
       "The line is not valid UTF-8.")
define("missing-key", "error", ALL, "file", "—", "legacy validator, cookbook checker",
       "A required key is missing (prompt/completion; messages; a message's role or content).")
define("unrecognized-key", "warning", ALL, "file", "—", "cookbook checker, Together, Bedrock",
       "A key outside the format, at the top level or in a message; Together and Bedrock reject extra keys.")
define("wrong-type", "error", ALL, "file", "—", "OpenAI spec",
       "A value has the wrong type (messages not a list, content not a string or parts list, prompt not a string).")
define("messages-empty", "error", ALL, "file", "—", "OpenAI spec (minItems 1)",
       "messages is an empty list.")
define("mixed-formats", "error", ALL, "file", "—", "Together validator",
       "Lines of different formats in one file (e.g. prompt/completion and messages).")

# Per dataset ------------------------------------------------------------------------------
define("too-few-examples", "error", ALL, "dataset", "10 (OpenAI, Azure), 3 (Fireworks), 1 (Together)",
       "provider docs", "Fewer examples than the target provider accepts.")
define("few-examples", "info", ALL, "dataset", "50 chat; 100 cls/gen", "OpenAI guide; legacy validator",
       "Fewer examples than the recommended starting size.")
define("class-too-small", "warning", CLS, "dataset", "100 per class", "seed rule 3, legacy guide",
       "A class has fewer than 100 examples.")
define("class-imbalance", "info", CLS, "dataset", "10×", "app (show the bar chart)",
       "The largest class has more than 10× the examples of the smallest.")
define("generation-too-small", "warning", GEN, "dataset", "500", "seed rule 3, legacy guide",
       "Fewer than 500 generation examples.")
define("prompts-all-identical", "error", CLS_GEN, "dataset", "—", "legacy validator",
       "Every prompt is the same.")
define("completions-all-identical", "error", GEN, "dataset", "—", "legacy validator",
       "Every completion is the same (the model will just repeat it).")
define("separator-inconsistent", "warning", CLS_GEN, "dataset", "—", "legacy validator",
       "Prompts do not all end with the same suffix.")
define("separator-long", "warning", CLS_GEN, "dataset", "10 chars", "legacy validator",
       "The common prompt suffix is longer than 10 characters.")
define("stop-long", "warning", GEN, "dataset", "10 chars", "legacy validator",
       "The common completion suffix is longer than 10 characters.")
define("prompt-common-prefix", "warning", CLS_GEN, "dataset", "> 12 chars", "legacy validator",
       "All prompts share a prefix longer than 12 characters (instructions or few-shot text belong out of "
       "fine-tuning prompts).")
define("completion-common-prefix", "warning", CLS_GEN, "dataset", "≥ 5 chars", "legacy validator",
       "All completions share a prefix of 5 or more characters.")
define("stop-inconsistent", "warning", GEN, "dataset", "—", "legacy validator",
       "Completions do not all end with the same stop sequence.")
define("split-leakage", "warning", ALL, "dataset", "—", "OpenAI spec (validation file)",
       "The same example is in both train and validation.")
define("labels-case-variants", "warning", CLS, "dataset", "—", "app (label hygiene)",
       "Two labels differ only by case or surrounding space (' Positive' / ' positive').")
define("task-type", "info", CLS_GEN, "dataset", "n / 3", "legacy validator",
       "The inferred task: classification when distinct completions < examples / 3.")
define("estimate", "info", ALL, "dataset",
       "epochs: 3; if n×3 < 100 → min(25, 100 // n); if n×3 > 25,000 → max(1, 25,000 // n); n = 0 → no estimate",
       "OpenAI cookbook (an estimate of `auto`)",
       "Examples, tokens (each example capped at the model limit), default epochs, billed tokens × epochs "
       "and cost at the model's training price.")
define("gen-hyperparameters", "info", GEN, "dataset", "—", "seed rule 6, legacy guide",
       "Advise a lower learning rate and 1–2 epochs for generation.")
