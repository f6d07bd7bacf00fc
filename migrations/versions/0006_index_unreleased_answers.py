"""index anonymous answers waiting for release

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-27

"""
import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('responses', schema=None) as batch_op:
        batch_op.create_index(
            'ix_responses_unreleased', ['salesperson_id'], unique=False,
            sqlite_where=sa.text('released_at IS NULL'),
            postgresql_where=sa.text('released_at IS NULL'))


def downgrade():
    with op.batch_alter_table('responses', schema=None) as batch_op:
        batch_op.drop_index('ix_responses_unreleased')
