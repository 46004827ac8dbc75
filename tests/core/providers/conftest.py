"""One small example of each task kind, for the per-kind golden lines of every profile's tests."""

import pytest

from app.core.providers.neutral import Example, TextPair, Turn


@pytest.fixture
def examples() -> dict[str, Example]:
    return {
        "classification": Example("classification", (Turn("user", "Great phone"), Turn("assistant", "positive")),
                                  pairs=(TextPair("Great phone ->", " positive"),)),
        "generation": Example("generation", (Turn("user", "Describe: red mug"), Turn("assistant", "A red mug.")),
                              pairs=(TextPair("Describe: red mug\n\n###\n\n", " A red mug. END"),)),
        "chat": Example("chat", (Turn("system", "Be brief."), Turn("user", "Hi"), Turn("assistant", "Hello!"))),
        "preference": Example("preference", (Turn("system", "Be brief."), Turn("user", "Hi")),
                              Turn("assistant", "Hello!"), Turn("assistant", "Go away.")),
    }
