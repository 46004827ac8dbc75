"""A language per user

`user_account.language`: "auto" (follow the browser's Accept-Language) or a locale the UI is
translated into ("en", "zh_Hans").

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 10:40:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("user_account", sa.Column("language", sa.String(length=16), nullable=False, server_default="auto"))


def downgrade() -> None:
    with op.batch_alter_table("user_account") as batch:
        batch.drop_column("language")
