"""indexes that keep a rollup recount to one salesperson's week

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-27

The recount of a rollup part looked up answers by (team, week) and conversations by
salesperson alone, so its cost grew with the team's week and the salesperson's whole
history. These replace the narrower indexes (whose leading columns they keep).
"""
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('responses', schema=None) as batch_op:
        batch_op.create_index('ix_responses_salesperson_part',
                              ['salesperson_id', 'week_start', 'team_id', 'month_start'],
                              unique=False)
        batch_op.drop_index('ix_responses_salesperson_week')
    with op.batch_alter_table('engagements', schema=None) as batch_op:
        batch_op.create_index('ix_engagements_salesperson_occurred',
                              ['salesperson_id', 'occurred_at'], unique=False)
        batch_op.drop_index('ix_engagements_salesperson_id')


def downgrade():
    with op.batch_alter_table('engagements', schema=None) as batch_op:
        batch_op.create_index('ix_engagements_salesperson_id', ['salesperson_id'], unique=False)
        batch_op.drop_index('ix_engagements_salesperson_occurred')
    with op.batch_alter_table('responses', schema=None) as batch_op:
        batch_op.create_index('ix_responses_salesperson_week', ['salesperson_id', 'week_start'],
                              unique=False)
        batch_op.drop_index('ix_responses_salesperson_part')
