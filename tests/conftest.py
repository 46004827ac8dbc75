"""Shared test set-up: the real tokenizer files, built offline at setup, are activated for every test."""

from app.tokenizer_files import activate

activate()
