"""track history for the map's replay

Only the latest state of each track was stored, so a replay of the map at an
earlier instant could show the encounters alive then but not where the ships
and aircraft were. Past states are now kept, thinned and for the replay's
span only.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "track_history",
        sa.Column("track", sa.String(length=64), nullable=False),
        sa.Column("party", sa.String(length=8), nullable=True),
        sa.Column("name", sa.String(length=100), nullable=True),
        sa.Column("domain", sa.String(length=4), nullable=False),
        sa.Column("t", sa.Float(), nullable=False),
        sa.Column("lat_deg", sa.Float(), nullable=False),
        sa.Column("lon_deg", sa.Float(), nullable=False),
        sa.Column("alt_m", sa.Float(), nullable=False),
        sa.Column("speed_mps", sa.Float(), nullable=False),
        sa.Column("course_deg", sa.Float(), nullable=False),
        sa.Column("vrate_mps", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("track", "t", name=op.f("pk_track_history")),
    )
    with op.batch_alter_table("track_history", schema=None) as batch_op:
        batch_op.create_index("ix_track_history_t", ["t"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("track_history", schema=None) as batch_op:
        batch_op.drop_index("ix_track_history_t")

    op.drop_table("track_history")
