"""Who may do what: roles per project, the one table every route (HTML and JSON) consults.

    owner      settings, members, assignment, export, and everything a reviewer may do
    reviewer   approve / request changes / reject, edit any example, delete
    annotator  write and label; sees only their own, assigned and handed-out examples
    viewer     read only

A site admin acts as owner of every project. Anyone signed in may create a project (and owns it).
"""

from __future__ import annotations

from sqlmodel import Session

from app.core.wording import say
from app.services.errors import Forbidden, NotFound
from app.storage import projects as project_store
from app.storage.tables import Example, Project, User

ROLES = ("owner", "reviewer", "annotator", "viewer")
ACTIONS: dict[str, tuple[str, ...]] = {
    "view": ("owner", "reviewer", "annotator", "viewer"),
    "view_all": ("owner", "reviewer", "viewer"),  # every example, not only one's own
    "annotate": ("owner", "reviewer", "annotator"),
    "comment": ("owner", "reviewer", "annotator"),
    "edit_any": ("owner", "reviewer"),
    "review": ("owner", "reviewer"),
    "review_own": ("owner",),  # approve one's own example (a one-person project)
    "delete_any": ("owner", "reviewer"),
    "configure": ("owner",),
    "members": ("owner",),
    "assign": ("owner",),
    "export": ("owner",),
    "import": ("owner",),
}
ACTION_WORDS = {
    "view": say("view this project"), "view_all": say("see every example"), "annotate": say("write examples here"),
    "comment": say("comment here"), "edit_any": say("edit other people's examples"), "review": say("review examples"),
    "review_own": say("review your own example"), "delete_any": say("delete other people's examples"),
    "configure": say("change the settings"), "members": say("manage members"), "assign": say("assign examples"),
    "export": say("export this project"), "import": say("import examples"),
}


def project_and_role(session: Session, user: User, project_id: int,
                     known: tuple[Project | None, str | None] | None = None) -> tuple[Project, str | None]:
    """The project of a request and the user's role in it (an admin's is "owner"): one query, none
    when the caller's identification already brought them (`known`). NotFound if there is no such
    project."""
    found = known if known is not None else project_store.project_with_role(session, project_id, user.id)
    if found is None or found[0] is None:
        raise NotFound(say("project {id} does not exist", id=project_id))
    project, role = found
    return project, "owner" if user.is_admin else role



def allows(role: str | None, action: str) -> bool:
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}")
    return role is not None and role in ACTIONS[action]


def require(role: str | None, action: str, project: Project) -> None:
    if not allows(role, action):
        if role:
            raise Forbidden(say("You may not {action} in project {project} as {role}.", action=ACTION_WORDS[action],
                                project=repr(project.name), role=role))
        raise Forbidden(say("You may not {action} in project {project} as you are not a member.",
                            action=ACTION_WORDS[action], project=repr(project.name)))


def may_see_example(role: str | None, user: User, example: Example) -> bool:
    if allows(role, "view_all"):
        return True
    return allows(role, "view") and user.id in (example.created_by, example.assignee_id, example.lease_user_id)


def may_label_independently(role: str | None, user: User, example: Example) -> bool:
    """The independent-label form of a double-labelled example: open to every member who may annotate
    while labels are still wanted (that is the queue's point), else only to those who may see it."""
    return allows(role, "annotate") and (example.labels_open or may_see_example(role, user, example))


def may_edit_example(role: str | None, user: User, example: Example) -> bool:
    if allows(role, "edit_any"):
        return True
    return allows(role, "annotate") and may_see_example(role, user, example) and example.status != "approved"


def may_delete_example(role: str | None, user: User, created_by: int | None, status: str) -> bool:
    """Reviewers and owners delete any example, an annotator their own while it is not approved.
    Whoever may delete an example may also undo that (restore it from the deleted examples)."""
    return allows(role, "delete_any") or (allows(role, "annotate") and created_by == user.id and status != "approved")
