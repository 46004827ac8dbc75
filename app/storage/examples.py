"""Queries on examples and their revisions; every list is keyset-paginated on (project_id, id)."""

from __future__ import annotations

import math
from collections.abc import Iterator
from functools import lru_cache

from sqlalchemy import bindparam, func, literal_column, or_, text, update
from sqlmodel import Session, select

from app.core.search import fts5_query, tsquery
from app.storage.tables import Example, ExampleCode

SEARCH_VECTOR_SQL = "example.search_vector"  # PostgreSQL: the stored tsvector the GIN index holds (migration 0013)
ROW_VECTOR_SQL = "coalesce(example.search_vector, ''::tsvector)"  # the same, which the index cannot serve

MAX_ROWID = 2**63 - 1


def get_example(session: Session, project_id: int, example_id: int) -> Example | None:
    example = session.get(Example, example_id)
    return example if example is not None and example.project_id == project_id else None


def _seen_by(user_id: int):
    """Examples a member who may not see everything sees: their own, assigned and handed-out ones."""
    return or_(Example.created_by == user_id, Example.assignee_id == user_id, Example.lease_user_id == user_id)


def neighbors(
    session: Session, project_id: int, input_hash: str, exclude_id: int | None, limit: int = 20,
    only_user: int | None = None,
) -> list[tuple[int, str]]:
    """(id, content_hash) of other examples with the same input (only those `only_user` may see,
    when given): one indexed lookup."""
    query = _neighbors_query(exclude_id is not None, only_user is not None)
    params = {"project_id": project_id, "input_hash": input_hash, "exclude_id": exclude_id, "user_id": only_user,
              "limit": limit}
    # Columns only: run as a Core statement, without the ORM's per-query bookkeeping.
    return [(int(i), h) for i, h in session.connection().execute(query, params)]


@lru_cache(maxsize=4)
def _neighbors_query(excluding: bool, only_visible: bool):
    """The live panel's lookup, built once per shape (it runs on every pause in typing)."""
    query = select(Example.id, Example.content_hash).where(
        Example.project_id == bindparam("project_id"), Example.input_hash == bindparam("input_hash"))
    if excluding:
        query = query.where(Example.id != bindparam("exclude_id"))
    if only_visible:
        query = query.where(_seen_by(bindparam("user_id")))
    return query.order_by(Example.id).limit(bindparam("limit"))


def claim_version(session: Session, example_id: int, expected: int, bump: int = 1) -> bool:
    """The optimistic lock as one conditional UPDATE: moves the example from version `expected` to
    `expected + bump` (bump 0 only locks it) and says whether it was still at `expected`. It holds
    the row until the transaction ends, so a second writer that saw the same version fails here."""
    result = session.execute(update(Example).where(Example.id == example_id, Example.version == expected)
                             .values(version=Example.version + bump).execution_options(synchronize_session=False))
    return result.rowcount == 1


def list_examples(
    session: Session,
    project_id: int,
    *,
    level: str | None = None,
    label: str | None = None,
    status: str | None = None,
    before_id: int | None = None,
    limit: int = 50,
    only_user: int | None = None,
    code: str | None = None,
    search: str | None = None,
) -> list[Example]:
    """A page of a project's examples, newest first, filtered; with `search`, only those whose texts
    hold its words as a phrase (`core.search`; nothing when it has no word)."""
    query = select(Example).where(Example.project_id == project_id)
    if code:
        query = query.join(ExampleCode, ExampleCode.example_id == Example.id).where(
            ExampleCode.project_id == project_id, ExampleCode.code == code)
    if only_user is not None:
        query = query.where(_seen_by(only_user))
    if level:
        query = query.where(Example.worst_level == level)
    if label:
        query = query.where(Example.label == label)
    if status:
        query = query.where(Example.status == status)
    if search is not None:
        if session.get_bind().dialect.name == "postgresql":
            return _searched_postgres(session, project_id, query, search, before_id, limit)
        return _searched(session, query, search, before_id, limit)
    if before_id is not None:
        query = query.where(Example.id < before_id)
    return list(session.exec(query.order_by(Example.id.desc()).limit(limit)))


SEARCH_CHUNK = 500  # index hits read at a time (SQLite), newest first
FTS_HITS = text("SELECT rowid FROM example_search WHERE example_search MATCH :match AND rowid < :upper "
                "ORDER BY rowid DESC LIMIT :n")


def _searched(session: Session, query, search: str, before_id: int | None, limit: int) -> list[Example]:
    """SQLite: `query`'s examples that match `search`, newest first. The FTS5 index gives its hits
    newest first (its rowids are the examples' ids), SEARCH_CHUNK at a time, each chunk filtered by
    `query`, until the page is full or the hits end."""
    match = fts5_query(search)
    if match is None:
        return []
    found: list[Example] = []
    upper = before_id if before_id is not None else MAX_ROWID
    while len(found) < limit:
        hits = list(session.execute(FTS_HITS, {"match": match, "upper": upper, "n": SEARCH_CHUNK}).scalars())
        if not hits:
            break
        found += session.exec(query.where(Example.id.in_(hits)).order_by(Example.id.desc()).limit(limit - len(found)))
        if len(hits) < SEARCH_CHUNK:
            break
        upper = hits[-1]
    return found


SEARCH_WINDOW = 4096  # PostgreSQL: the newest ids, read row by row first
SPARSE = 16  # PostgreSQL: fewer hits than this in a window, and the rest comes from the index's hits


def _searched_postgres(session: Session, project_id: int, query, search: str, before_id: int | None,
                       limit: int) -> list[Example]:
    """PostgreSQL: `query`'s examples that match `search`, newest first. The GIN index cannot give
    its hits in id order, and with `ORDER BY id DESC LIMIT n` the planner walks the primary key
    backwards testing each row, sure that a hit is near: it guesses that a prefix matches 0.5% of
    rows, so a rare word, or one only old examples hold, read the whole project (0.8 s at 200k).
    Nor can it guess a phrase of words that come together (each Thai letter is a word): it took the
    index's many candidates for few. So the newest SEARCH_WINDOW ids are read row by row first (the
    index kept out). A phrase that fills the page there (a common one) is done; one with at least
    SPARSE hits reads a next window, as wide as its density says the page needs and half as wide
    again; a sparser one takes the rest from the index's hits, few by then, sorted in a
    materialized query that the LIMIT cannot tempt into the backward walk."""
    words = tsquery(search)
    if words is None:
        return []
    match = func.to_tsquery("simple", words)
    ids = query.with_only_columns(Example.id).distinct()
    by_row = ids.where(literal_column(ROW_VECTOR_SQL).op("@@")(match))
    by_index = ids.where(literal_column(SEARCH_VECTOR_SQL).op("@@")(match))
    lowest, highest = session.exec(select(func.min(Example.id), func.max(Example.id))
                                   .where(Example.project_id == project_id)).one()
    if highest is None:
        return []
    top = min(before_id, highest + 1) if before_id is not None else highest + 1
    found: list[int] = []
    width = SEARCH_WINDOW
    while len(found) < limit and top > lowest:
        bottom = max(lowest, top - width)
        window = sorted(session.exec(by_row.where(Example.id >= bottom, Example.id < top)), reverse=True)
        found += window[:limit - len(found)]
        if len(found) < limit and len(window) < SPARSE:
            rest = by_index.where(Example.id < bottom).cte("hits").prefix_with("MATERIALIZED")
            found += session.exec(select(rest.c.id).order_by(rest.c.id.desc()).limit(limit - len(found)))
            break
        width = math.ceil(1.5 * (limit - len(found)) * (top - bottom) / len(window))
        top = bottom
    if not found:
        return []
    return list(session.exec(select(Example).where(Example.id.in_(found)).order_by(Example.id.desc())))


def adjacent_id(session: Session, project_id: int, example_id: int, newer: bool) -> int | None:
    column = Example.id
    query = select(column).where(Example.project_id == project_id)
    query = query.where(column > example_id).order_by(column) if newer else query.where(column < example_id).order_by(column.desc())
    return session.exec(query.limit(1)).first()


def iter_for_export(
    session: Session, project_id: int, statuses: tuple[str, ...] | None, batch: int = 1000
) -> Iterator[Example]:
    """All examples of a project in id order, fetched in batches (never the whole table at once)."""
    last_id = 0
    while True:
        query = select(Example).where(Example.project_id == project_id, Example.id > last_id)
        if statuses:
            query = query.where(Example.status.in_(statuses))
        rows = list(session.exec(query.order_by(Example.id).limit(batch)))
        if not rows:
            return
        yield from rows
        last_id = rows[-1].id
        session.flush()  # keep changes a caller made to this batch before letting go of it
        session.expunge_all()


def split_inputs(session: Session, project_id: int, statuses: tuple[str, ...] | None,
                 batch: int = 5000) -> Iterator[tuple[str | None, str]]:
    """(label, input_hash) of a project's examples in id order, in batches of columns only (a
    split's first pass: no example is loaded)."""
    last_id = 0
    while True:
        query = select(Example.id, Example.label, Example.input_hash).where(
            Example.project_id == project_id, Example.id > last_id)
        if statuses:
            query = query.where(Example.status.in_(statuses))
        rows = session.exec(query.order_by(Example.id).limit(batch)).all()
        if not rows:
            return
        for _, label, input_hash in rows:
            yield label, input_hash
        last_id = rows[-1][0]


def examples_after(session: Session, project_id: int, after_id: int, limit: int) -> list[Example]:
    """The next `limit` examples of a project after `after_id`, in id order."""
    query = select(Example).where(Example.project_id == project_id, Example.id > after_id)
    return list(session.exec(query.order_by(Example.id).limit(limit)))


def lock_examples(session: Session, project_id: int, example_ids: list[int]) -> list[Example]:
    """Examples of a project by id, locked until the transaction ends (PostgreSQL; on SQLite the
    write transaction already excludes other writers) and read fresh."""
    query = select(Example).where(Example.project_id == project_id, Example.id.in_(example_ids))
    query = query.order_by(Example.id).execution_options(populate_existing=True)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    return list(session.exec(query))


def by_ids(session: Session, project_id: int, example_ids: list[int]) -> list[Example]:
    """Examples of a project by id (those that exist), in id order."""
    if not example_ids:
        return []
    query = select(Example).where(Example.project_id == project_id, Example.id.in_(example_ids))
    return list(session.exec(query.order_by(Example.id)))
