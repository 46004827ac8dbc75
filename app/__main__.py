"""`python -m app ...`: the tunelab command line (app.cli)."""

from app.cli import main

raise SystemExit(main())
