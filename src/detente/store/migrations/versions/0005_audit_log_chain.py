"""audit log hash chain

The triggers of 0002 protect the audit log from the application, not from
the machine's owner, who can drop them and rewrite history. Each record now
carries a hash chained over its predecessor (``detente.store.audit_chain``),
and the node signs the newest value into its log for the peer to witness.
Records written before this revision keep NULL: the chain begins after them.
The column is added in place (SQLite's ALTER TABLE ADD COLUMN), so the table
is not copied and 0002's triggers stay.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("audit_log", sa.Column("chain", sa.String(length=64), nullable=True))


def downgrade() -> None:
    op.drop_column("audit_log", "chain")
