"""team review: memberships and roles, review states, queues, comments, audit log, counters

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 10:34:35.899887
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('comment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('example_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('action', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_comment_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_comment'))
    )
    with op.batch_alter_table('comment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_comment_example_id'), ['example_id'], unique=False)

    op.create_table('audit_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('action', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('detail', sa.JSON(), nullable=False),
    sa.Column('at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['project_id'], ['project.id'], name=op.f('fk_audit_event_project_id_project')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_audit_event_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_event'))
    )
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.create_index('ix_audit_event_project_id_id', ['project_id', 'id'], unique=False)

    op.create_table('member_stat',
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('written', sa.Integer(), nullable=False),
    sa.Column('reviewed', sa.Integer(), nullable=False),
    sa.Column('approved', sa.Integer(), nullable=False),
    sa.Column('changes_requested', sa.Integer(), nullable=False),
    sa.Column('rejected', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['project_id'], ['project.id'], name=op.f('fk_member_stat_project_id_project')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_member_stat_user_id_user_account')),
    sa.PrimaryKeyConstraint('project_id', 'user_id', name=op.f('pk_member_stat'))
    )
    op.create_table('membership',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('role', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['project_id'], ['project.id'], name=op.f('fk_membership_project_id_project')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_membership_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_membership')),
    sa.UniqueConstraint('project_id', 'user_id', name=op.f('uq_membership_project_id'))
    )
    with op.batch_alter_table('membership', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_membership_project_id'), ['project_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_membership_user_id'), ['user_id'], unique=False)

    op.create_table('state_count',
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('n', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['project_id'], ['project.id'], name=op.f('fk_state_count_project_id_project')),
    sa.PrimaryKeyConstraint('project_id', 'status', name=op.f('pk_state_count'))
    )
    op.create_table('work_time_bucket',
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('bucket', sa.Integer(), nullable=False),
    sa.Column('n', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['project_id'], ['project.id'], name=op.f('fk_work_time_bucket_project_id_project')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_work_time_bucket_user_id_user_account')),
    sa.PrimaryKeyConstraint('project_id', 'user_id', 'bucket', name=op.f('pk_work_time_bucket'))
    )
    op.create_table('annotation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('example_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('label', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('output', sa.JSON(), nullable=True),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['example_id'], ['example.id'], name=op.f('fk_annotation_example_id_example'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['project_id'], ['project.id'], name=op.f('fk_annotation_project_id_project')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_annotation_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_annotation')),
    sa.UniqueConstraint('example_id', 'user_id', name=op.f('uq_annotation_example_id'))
    )
    with op.batch_alter_table('annotation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_annotation_example_id'), ['example_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_annotation_project_id'), ['project_id'], unique=False)

    with op.batch_alter_table('example', schema=None) as batch_op:
        batch_op.add_column(sa.Column('needs_output', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('assignee_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('lease_user_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('lease_until', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('labels_wanted', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('labels_open', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('submitted_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('reviewed_by', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('reviewed_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('work_seconds', sa.Integer(), nullable=True))
        batch_op.create_index('ix_example_project_assignee_id', ['project_id', 'assignee_id', 'id'], unique=False)
        batch_op.create_index('ix_example_project_author_status_id', ['project_id', 'created_by', 'status', 'id'],
                              unique=False)
        batch_op.create_index('ix_example_project_labels_open_id', ['project_id', 'labels_open', 'id'], unique=False)
        batch_op.create_index('ix_example_project_label_id', ['project_id', 'label', 'id'], unique=False)
        batch_op.create_index('ix_example_project_status_id', ['project_id', 'status', 'id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_example_reviewed_by_user_account'), 'user_account', ['reviewed_by'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_example_assignee_id_user_account'), 'user_account', ['assignee_id'], ['id'])

    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_epoch', sa.Integer(), nullable=False, server_default='0'))

    # Existing data: each project's creator owns it; counters start from what is stored.
    op.execute(
        "INSERT INTO membership (project_id, user_id, role, created_at) "
        "SELECT id, created_by, 'owner', CURRENT_TIMESTAMP FROM project WHERE created_by IS NOT NULL"
    )
    op.execute(
        "INSERT INTO state_count (project_id, status, n) "
        "SELECT project_id, status, count(*) FROM example GROUP BY project_id, status"
    )
    op.execute(
        "INSERT INTO member_stat (project_id, user_id, written, reviewed, approved, changes_requested, rejected) "
        "SELECT project_id, created_by, count(*), 0, 0, 0, 0 FROM example WHERE created_by IS NOT NULL "
        "GROUP BY project_id, created_by"
    )



def downgrade() -> None:
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_column('session_epoch')

    with op.batch_alter_table('example', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_example_assignee_id_user_account'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_example_reviewed_by_user_account'), type_='foreignkey')
        batch_op.drop_index('ix_example_project_status_id')
        batch_op.drop_index('ix_example_project_label_id')
        batch_op.drop_index('ix_example_project_labels_open_id')
        batch_op.drop_index('ix_example_project_author_status_id')
        batch_op.drop_index('ix_example_project_assignee_id')
        batch_op.drop_column('work_seconds')
        batch_op.drop_column('reviewed_at')
        batch_op.drop_column('reviewed_by')
        batch_op.drop_column('submitted_at')
        batch_op.drop_column('labels_open')
        batch_op.drop_column('labels_wanted')
        batch_op.drop_column('lease_until')
        batch_op.drop_column('lease_user_id')
        batch_op.drop_column('assignee_id')
        batch_op.drop_column('needs_output')

    with op.batch_alter_table('annotation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_annotation_project_id'))
        batch_op.drop_index(batch_op.f('ix_annotation_example_id'))

    op.drop_table('annotation')
    op.drop_table('work_time_bucket')
    op.drop_table('state_count')
    with op.batch_alter_table('membership', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_membership_user_id'))
        batch_op.drop_index(batch_op.f('ix_membership_project_id'))

    op.drop_table('membership')
    op.drop_table('member_stat')
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_event_project_id_id')

    op.drop_table('audit_event')
    with op.batch_alter_table('comment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_comment_example_id'))

    op.drop_table('comment')
