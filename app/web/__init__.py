"""Web layer: FastAPI routes, templates, htmx fragments, the JSON API and auth."""
