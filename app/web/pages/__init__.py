"""Every page, included in one place: the whole URL table on one screen.

A URL's handler is in the module its path names; a JSON twin under /api/v1 lives beside its page
(drop the "/api/v1" and look the rest up). Routes are named; templates and redirects build URLs from
the names (app/web/urls.py), the JSON twin of page `x` is named `api_x`.

    /                                   home.py        projects list          (/api/v1/projects)
    /setup  /login  /logout             auth.py
    /account/tokens  /account/password  account.py     API tokens, password   (/api/v1/tokens)
    /admin/users                        admin.py       user accounts          (/api/v1/admin/users)
    /projects  /projects/new            projects.py    create a project
    /projects/{id}  …/settings          projects.py    a project, its settings (/api/v1/projects/{id})
    /projects/{id}/examples/…           examples/      list, form, save, delete, submit, review,
                                                       comments, annotate, adjudicate, restore a revision
                                                       (see its docstring)
    /projects/{id}/deleted/…            deleted.py     deleted examples, restore (undo) (/api/v1/…/deleted)
    /projects/{id}/lint                 lint.py        the live panel         (/api/v1/…/lint)
    /projects/{id}/next                 queue.py       the next piece of work
    /projects/{id}/bulk                 bulk.py        bulk actions on ticked examples
    /projects/{id}/items                items.py       items to label         (/api/v1/…/items)
    /projects/{id}/agreement            agreement.py   kappa, disagreements   (/api/v1/…/agreement)
    /projects/{id}/members/…            members.py     members and roles      (/api/v1/…/members)
    /projects/{id}/team                 team.py        who did what           (/api/v1/…/team)
    /projects/{id}/audit                audit.py       the audit log          (/api/v1/…/audit)
    /projects/{id}/health/…  /healthz   health.py      dataset health         (/api/v1/…/health)
    /projects/{id}/export…              export.py      preflight, download    (/api/v1/…/export, …/export.jsonl, .zip)
    /projects/{id}/export/jobs/…        export_jobs.py a background export    (/api/v1/…/export/jobs/…)
    /projects/{id}/snapshots/…          snapshots.py   kept exports           (/api/v1/…/snapshots/…)
    /projects/{id}/import…              imports.py     upload, preview, import, progress (/api/v1/…/import…)
    /api/v1/rules                       rules.py       the rules (JSON only)
"""

from fastapi import FastAPI

from app.web.urls import operation_id

from app.web.pages import (account, admin, agreement, audit, auth, bulk, deleted, examples, export, export_jobs, health,
                           home, imports, items, lint, members, projects, queue, rules, snapshots, team)

# Matched in this order (no two of them serve one path): the live panel first, as it is asked on
# every pause in typing, then /healthz, which load balancers ask all the time.
PAGES = (lint, health, auth, home, account, admin, projects, examples, deleted, queue, bulk, items, agreement, members,
         team, audit, export, export_jobs, snapshots, imports, rules)


def register(app: FastAPI) -> None:
    for module in PAGES:
        app.include_router(module.router, generate_unique_id_function=operation_id)
