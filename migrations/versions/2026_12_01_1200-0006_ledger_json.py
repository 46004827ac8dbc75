"""ledger: dataset aggregates as versioned JSON (no pickle), member counts from state, no export_snapshot.complete

- `dataset_stats.blob` (a pickle) becomes `dataset_stats.data` (the JSON of
  `core.dataset.DatasetStats.to_json()`, `{"v": 1, ...}`). The pickles are never unpickled: the
  rows are dropped and every project is marked for a re-check (`recheck_cursor = 0`), which the
  app resumes at start-up and which rebuilds the aggregates and the hash/code counters from the
  examples in short batches (as 0004 did for projects without aggregates). Rebuilding needs the
  renderer, the tokenizers and the model table under the project's settings: app code, not SQL,
  and too long for one migration transaction on a big project.
- `member_stat` gets `labelled` and is recounted from the rows with the ledger's definitions
  (app.storage.ledger): written = examples authored, approved / changes_requested / rejected = the
  author's examples now in that state, reviewed = decided examples reviewed by the member,
  labelled = the member's independent labels. The old counts were event counts (an adjudication
  counted an approval twice).
- `export_snapshot.complete` (always true, never read) is dropped.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 12:00:00.000000
"""

from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

KEEP_AUTOINCREMENT = {"sqlite_autoincrement": True}  # SQLite's batch copy of the table keeps ids never reused (0004)
DECIDED = "('approved', 'changes_requested', 'rejected')"
MEMBER_STATS_FROM_ROWS = f"""
INSERT INTO member_stat (project_id, user_id, written, reviewed, approved, changes_requested, rejected, labelled)
SELECT project_id, user_id, sum(written), sum(reviewed), sum(approved), sum(changes_requested), sum(rejected),
       sum(labelled)
FROM (
    SELECT project_id, created_by AS user_id, count(*) AS written, 0 AS reviewed,
           sum(CASE WHEN status = 'approved' THEN 1 ELSE 0 END) AS approved,
           sum(CASE WHEN status = 'changes_requested' THEN 1 ELSE 0 END) AS changes_requested,
           sum(CASE WHEN status = 'rejected' THEN 1 ELSE 0 END) AS rejected, 0 AS labelled
    FROM example WHERE created_by IS NOT NULL GROUP BY project_id, created_by
    UNION ALL
    SELECT project_id, reviewed_by, 0, count(*), 0, 0, 0, 0
    FROM example WHERE reviewed_by IS NOT NULL AND status IN {DECIDED} GROUP BY project_id, reviewed_by
    UNION ALL
    SELECT project_id, user_id, 0, 0, 0, 0, 0, count(*) FROM annotation GROUP BY project_id, user_id
) AS facts
GROUP BY project_id, user_id
"""


def _rebuild_every_project() -> None:
    op.execute("DELETE FROM dataset_stats")
    op.execute("UPDATE project SET recheck_cursor = 0 WHERE recheck_cursor IS NULL")


def upgrade() -> None:
    _rebuild_every_project()
    with op.batch_alter_table('dataset_stats', schema=None) as batch_op:
        batch_op.drop_column('blob')
        batch_op.add_column(sa.Column('data', sa.JSON(), nullable=False))
    with op.batch_alter_table('member_stat', schema=None) as batch_op:
        batch_op.add_column(sa.Column('labelled', sa.Integer(), server_default='0', nullable=False))
    op.execute("DELETE FROM member_stat")
    op.execute(MEMBER_STATS_FROM_ROWS)
    with op.batch_alter_table('export_snapshot', schema=None, table_kwargs=KEEP_AUTOINCREMENT) as batch_op:
        batch_op.drop_column('complete')


def downgrade() -> None:
    with op.batch_alter_table('export_snapshot', schema=None, table_kwargs=KEEP_AUTOINCREMENT) as batch_op:
        batch_op.add_column(sa.Column('complete', sa.Boolean(), server_default=sa.true(), nullable=False))
    with op.batch_alter_table('member_stat', schema=None) as batch_op:
        batch_op.drop_column('labelled')
    _rebuild_every_project()  # the older app rebuilds a project without aggregates in its re-check
    with op.batch_alter_table('dataset_stats', schema=None) as batch_op:
        batch_op.drop_column('data')
        batch_op.add_column(sa.Column('blob', sa.LargeBinary(), nullable=False))
