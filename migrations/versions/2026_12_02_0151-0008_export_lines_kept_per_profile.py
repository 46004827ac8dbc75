"""export lines kept per profile

`export_line` keeps each example's export under a profile (its JSONL lines, verdict and codes),
with the fields and output it was made from and the stamp of the settings and code that judged
it, so an export streams what is still current instead of rendering every example again. It
starts empty: imports fill it, and each export fills what it had to render.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 01:51:23.454737
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('export_line',
    sa.Column('example_id', sa.Integer(), nullable=False),
    sa.Column('profile', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('stamp', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('fields', sa.Text(), nullable=False),
    sa.Column('output', sa.Text(), nullable=True),
    sa.Column('outcome', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('codes', sa.Text(), nullable=False),
    sa.Column('lines', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['example_id'], ['example.id'], name=op.f('fk_export_line_example_id_example'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['project_id'], ['project.id'], name=op.f('fk_export_line_project_id_project'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('example_id', 'profile', name=op.f('pk_export_line'))
    )
    with op.batch_alter_table('export_line', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_export_line_project_id'), ['project_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('export_line', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_export_line_project_id'))

    op.drop_table('export_line')
