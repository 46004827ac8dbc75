"""Page data: each page's data built by one call into a typed object (a pydantic model), which is the
HTML template's input and, unchanged, the JSON of the page's /api/v1 twin (its response model)."""
