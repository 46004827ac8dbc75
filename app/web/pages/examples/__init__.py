"""/projects/{id}/examples/… and its JSON twin /api/v1/projects/{id}/examples/…, one module per part:

    /projects/{id}/examples                     listing.py   the list (filters, pages); POST creates: editor.py
    /projects/{id}/examples/new                 editor.py    the empty form
    /projects/{id}/examples/{eid}               editor.py    the form (GET), save (POST; PUT on the API)
    /projects/{id}/examples/{eid}/delete        editor.py
    /projects/{id}/examples/{eid}/submit        review.py    submit for review
    /projects/{id}/examples/{eid}/review        review.py    approve / request changes / reject
    /projects/{id}/examples/{eid}/comments      review.py
    /projects/{id}/examples/{eid}/adjudicate    review.py    the final label of a disagreement
    /projects/{id}/examples/{eid}/annotate      annotate.py  an independent label (GET form, POST)
    /projects/{id}/examples/{eid}/revisions/{v}/restore  revisions.py  an earlier revision, saved anew
"""

from fastapi import APIRouter

from app.web.pages.examples import annotate, editor, listing, review, revisions
from app.web.urls import operation_id

router = APIRouter()
for part in (listing, editor, review, annotate, revisions):
    router.include_router(part.router, generate_unique_id_function=operation_id)
