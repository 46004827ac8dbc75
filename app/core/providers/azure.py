"""Azure OpenAI: the OpenAI chat shape (assistant `weight` 0/1, tools), in a file that starts with a
UTF-8 byte-order mark.

Sources: MicrosoftDocs/azure-ai-docs @ 09d47077 `articles/ai-foundry/openai/includes/fine-tuning-rest.md`
("must be encoded in UTF-8 and include a byte-order mark (BOM)", under 512 MB, at least 10
examples), as summarised in reference/format-corrections.md; the line shape is OpenAI's (see
`app.core.providers.openai`), so a system turn stays a system message and reasoning is dropped.
The BOM is the profile's `file_prefix`: the lines themselves are OpenAI's, byte for byte.
"""

from __future__ import annotations

from app.core.providers import openai
from app.core.providers.base import Profile, count_rule, prefix_rule, size_rule
from app.core.wording import say

PROVIDER = "Azure OpenAI"
BOM = "\ufeff"

CHAT = Profile(
    "azure-openai-chat", say("Azure OpenAI chat messages"), PROVIDER,
    "Azure OpenAI gpt-4.1, gpt-4.1-mini, gpt-4.1-nano, gpt-4o, gpt-4o-mini",
    ("classification", "generation", "chat", "preference"), False,
    writer=openai.write_chat, reader=openai.read_chat, default_kind="chat",
    line_rules=(openai.tool_call_ids,),
    file_rules=(count_rule("azure-min-examples", PROVIDER, openai.MIN_EXAMPLES),
                size_rule("azure-file-size", PROVIDER, openai.MAX_FILE_BYTES, prefix=BOM),
                prefix_rule("azure-bom-missing", PROVIDER, BOM, say("a UTF-8 byte-order mark"))),
    file_prefix=BOM,
    note=say("The OpenAI chat shape; the file starts with a UTF-8 byte-order mark, which Azure requires "
             "(and OpenAI and Together reject)."),
)

PROFILES = (CHAT,)
