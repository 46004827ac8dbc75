"""dataset health: running dataset aggregates per project, and input/content hash counters

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 11:14:47.402092
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('dataset_stats',
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('blob', sa.LargeBinary(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['project_id'], ['project.id'], name=op.f('fk_dataset_stats_project_id_project')),
    sa.PrimaryKeyConstraint('project_id', name=op.f('pk_dataset_stats'))
    )
    op.create_table('hash_count',
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('n', sa.Integer(), nullable=False),
    sa.Column('distinct_outputs', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['project_id'], ['project.id'], name=op.f('fk_hash_count_project_id_project')),
    sa.PrimaryKeyConstraint('project_id', 'kind', 'hash', name=op.f('pk_hash_count'))
    )
    with op.batch_alter_table('hash_count', schema=None) as batch_op:
        batch_op.create_index('ix_hash_count_project_kind_distinct', ['project_id', 'kind', 'distinct_outputs'], unique=False)
        batch_op.create_index('ix_hash_count_project_kind_n', ['project_id', 'kind', 'n'], unique=False)

    op.create_table('level_count',
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('level', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('n', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['project_id'], ['project.id'], name=op.f('fk_level_count_project_id_project')),
    sa.PrimaryKeyConstraint('project_id', 'level', name=op.f('pk_level_count'))
    )
    op.execute("INSERT INTO level_count (project_id, level, n) "
               "SELECT project_id, worst_level, count(*) FROM example GROUP BY project_id, worst_level")
    op.create_table('code_count',
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('code', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('n', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['project_id'], ['project.id'], name=op.f('fk_code_count_project_id_project')),
    sa.PrimaryKeyConstraint('project_id', 'code', name=op.f('pk_code_count'))
    )
    op.create_table('example_code',
    sa.Column('example_id', sa.Integer(), nullable=False),
    sa.Column('code', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['example_id'], ['example.id'], name=op.f('fk_example_code_example_id_example'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['project_id'], ['project.id'], name=op.f('fk_example_code_project_id_project')),
    sa.PrimaryKeyConstraint('example_id', 'code', name=op.f('pk_example_code'))
    )
    with op.batch_alter_table('example_code', schema=None) as batch_op:
        batch_op.create_index('ix_example_code_project_code_example', ['project_id', 'code', 'example_id'], unique=False)
    with op.batch_alter_table('example', schema=None) as batch_op:
        batch_op.add_column(sa.Column('near_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))
        batch_op.create_index('ix_example_project_near_hash', ['project_id', 'near_hash'], unique=False)

    # Counters for what is stored (near-duplicate keys are computed by the app's next rebuild); the dataset aggregates are built by the app on first use.
    op.execute(
        "INSERT INTO hash_count (project_id, kind, hash, n, distinct_outputs) "
        "SELECT project_id, 'content', content_hash, count(*), 0 FROM example WHERE needs_output = false "
        "GROUP BY project_id, content_hash"
    )
    op.execute(
        "INSERT INTO hash_count (project_id, kind, hash, n, distinct_outputs) "
        "SELECT project_id, 'input', input_hash, count(*), count(DISTINCT content_hash) FROM example "
        "WHERE needs_output = false GROUP BY project_id, input_hash"
    )



def downgrade() -> None:
    with op.batch_alter_table('example_code', schema=None) as batch_op:
        batch_op.drop_index('ix_example_code_project_code_example')
    op.drop_table('example_code')
    op.drop_table('code_count')
    op.drop_table('level_count')
    with op.batch_alter_table('example', schema=None) as batch_op:
        batch_op.drop_index('ix_example_project_near_hash')
        batch_op.drop_column('near_hash')
    with op.batch_alter_table('hash_count', schema=None) as batch_op:
        batch_op.drop_index('ix_hash_count_project_kind_n')
        batch_op.drop_index('ix_hash_count_project_kind_distinct')

    op.drop_table('hash_count')
    op.drop_table('dataset_stats')
