"""kept export snapshots: split, files, rule report, store key

`export_snapshot` gets the split ({"ratio", "seed"}), its files (role, name, examples, lines,
bytes, SHA-256, file findings), the rule report (codes -> examples) and the directory of the kept
files in the snapshot store.

The rows of earlier exports keep NULL in the new columns: their files were not kept, and the
snapshots page says so.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 22:00:00.000000
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

KEEP_AUTOINCREMENT = {"sqlite_autoincrement": True}  # SQLite's batch copy of the table keeps ids never reused (0004)


def upgrade() -> None:
    with op.batch_alter_table('export_snapshot', schema=None, table_kwargs=KEEP_AUTOINCREMENT) as batch_op:
        batch_op.add_column(sa.Column('split', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('files', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('rule_report', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('store_key', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('export_snapshot', schema=None, table_kwargs=KEEP_AUTOINCREMENT) as batch_op:
        batch_op.drop_column('store_key')
        batch_op.drop_column('rule_report')
        batch_op.drop_column('files')
        batch_op.drop_column('split')
