"""Use cases: each function is one unit of work over storage, using core for every rule."""
