"""deleted examples: a trash to undo a delete and restore later

`deleted_example`: one row per deleted example, holding as versioned JSON (app.storage.trash) its
row, revisions, comments and independent labels, which the delete of the example itself still
cascades away; restoring re-inserts them with the same ids. So no query over `example` needs a
"deleted" filter. A row stays until the example is restored or its project is deleted.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 12:00:00
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('deleted_example',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('example_id', sa.Integer(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('assignee_id', sa.Integer(), nullable=True),
    sa.Column('lease_user_id', sa.Integer(), nullable=True),
    sa.Column('deleted_by', sa.Integer(), nullable=True),
    sa.Column('deleted_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('preview', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['project_id'], ['project.id'], name=op.f('fk_deleted_example_project_id_project'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by'], ['user_account.id'],
                            name=op.f('fk_deleted_example_created_by_user_account')),
    sa.ForeignKeyConstraint(['deleted_by'], ['user_account.id'],
                            name=op.f('fk_deleted_example_deleted_by_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_deleted_example')),
    sa.UniqueConstraint('example_id', name=op.f('uq_deleted_example_example_id')),
    sqlite_autoincrement=True,
    )
    with op.batch_alter_table('deleted_example', schema=None) as batch_op:
        batch_op.create_index('ix_deleted_example_project_id_id', ['project_id', 'id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('deleted_example', schema=None) as batch_op:
        batch_op.drop_index('ix_deleted_example_project_id_id')
    op.drop_table('deleted_example')
