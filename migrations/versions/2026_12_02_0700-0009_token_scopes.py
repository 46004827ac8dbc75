"""API token scopes

`api_token.scope`: "write" (every request the account may make; the tokens made before keep it)
or "read" (GET and HEAD only: a token for a dashboard or a nightly export that cannot change
anything).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 07:00:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("api_token", sa.Column("scope", sa.String(length=10), nullable=False, server_default="write"))


def downgrade() -> None:
    with op.batch_alter_table("api_token") as batch:
        batch.drop_column("scope")
