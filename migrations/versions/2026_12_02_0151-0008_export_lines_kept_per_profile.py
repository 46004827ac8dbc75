"""export lines kept per profile

`export_line` keeps each example's export under a profile (its JSONL lines, verdict and codes)
and the stamp of the settings and code that judged it, so an export streams what is still current
instead of rendering every example again. A trigger on `example` deletes an example's kept lines
whenever its fields or output change, whatever path changes them (the app, a script, psql). The
table starts empty: imports fill it, and each export fills what it had to render.

SQLite drops a table's triggers when a batch migration rebuilds it: a later migration that alters
`example` in batch mode must create `example_kept_lines_stale` again
(tests/services/test_kept_lines.py fails otherwise).

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

# json has no equality operator on PostgreSQL: its text is compared (the text the app wrote).
SQLITE_TRIGGER = """
CREATE TRIGGER example_kept_lines_stale AFTER UPDATE OF fields, output ON example
WHEN NEW.fields IS NOT OLD.fields OR NEW.output IS NOT OLD.output
BEGIN
    DELETE FROM export_line WHERE example_id = NEW.id;
END"""
POSTGRES_FUNCTION = """
CREATE FUNCTION forget_kept_lines() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM export_line WHERE example_id = NEW.id;
    RETURN NULL;
END $$"""
POSTGRES_TRIGGER = """
CREATE TRIGGER example_kept_lines_stale AFTER UPDATE OF fields, output ON example FOR EACH ROW
WHEN (NEW.fields::text IS DISTINCT FROM OLD.fields::text OR NEW.output::text IS DISTINCT FROM OLD.output::text)
EXECUTE FUNCTION forget_kept_lines()"""


def upgrade() -> None:
    op.create_table('export_line',
    sa.Column('example_id', sa.Integer(), nullable=False),
    sa.Column('profile', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('stamp', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('outcome', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('codes', sa.Text(), nullable=False),
    sa.Column('lines', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['example_id'], ['example.id'], name=op.f('fk_export_line_example_id_example'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['project_id'], ['project.id'], name=op.f('fk_export_line_project_id_project'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('example_id', 'profile', name=op.f('pk_export_line'))
    )
    with op.batch_alter_table('export_line', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_export_line_project_id'), ['project_id'], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        op.execute(POSTGRES_FUNCTION)
        op.execute(POSTGRES_TRIGGER)
    else:
        op.execute(SQLITE_TRIGGER)


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS example_kept_lines_stale" + (" ON example" if op.get_bind().dialect.name == "postgresql" else ""))
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS forget_kept_lines()")
    with op.batch_alter_table('export_line', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_export_line_project_id'))

    op.drop_table('export_line')
