"""token lockouts shared by every worker

Refused operator API tokens were counted in each worker's memory, so a
restart forgot a lockout and N workers allowed N times the guesses. The
count now lives in the database every worker shares.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "token_lockouts",
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("window_start_t", sa.Float(), nullable=False),
        sa.Column("locked_until_t", sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint("source", name=op.f("pk_token_lockouts")),
    )


def downgrade() -> None:
    op.drop_table("token_lockouts")
