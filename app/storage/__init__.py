"""Storage: SQLModel tables, the engine with its per-connection settings, and queries."""
