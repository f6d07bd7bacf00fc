"""team rollups

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27 14:35:12.190978

Adds responses.month_start (filled in from each conversation's date) and
response_rollups, counted from the existing rows with the same statement as
services.rollups.rebuild (spelled out here: a migration must not change when the
code does).
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

_COUNTS = ("answers", "respected_sum", "helped_sum", "respected_yes", "helped_yes",
           "pressured", "doubted_promise")

_FILL_MONTH = {
    "postgresql": """
        UPDATE responses AS r
        SET month_start = date_trunc('month', timezone('UTC', e.occurred_at))::date
        FROM invitations AS i JOIN engagements AS e ON e.id = i.engagement_id
        WHERE i.id = r.invitation_id AND r.month_start IS NULL""",
    "sqlite": """
        UPDATE responses SET month_start = (
            SELECT date(e.occurred_at, 'start of month')
            FROM invitations AS i JOIN engagements AS e ON e.id = i.engagement_id
            WHERE i.id = responses.invitation_id)
        WHERE month_start IS NULL""",
}

_CALENDAR = {
    "postgresql": ("date_trunc('week', timezone('UTC', e.occurred_at))::date",
                   "date_trunc('month', timezone('UTC', e.occurred_at))::date"),
    "sqlite": ("date(e.occurred_at, 'weekday 0', '-6 days')",
               "date(e.occurred_at, 'start of month')"),
}

_COUNT_ROLLUPS = """
    INSERT INTO response_rollups (team_id, week_start, month_start, salesperson_id, sent,
                                  {counts})
    SELECT team_id, week_start, month_start, salesperson_id, SUM(sent), {sums}
    FROM (
        SELECT team_id, week_start, month_start, salesperson_id, 0 AS sent,
               COUNT(*) AS answers, SUM(respected) AS respected_sum,
               SUM(helped) AS helped_sum,
               SUM(CASE WHEN respected >= 4 THEN 1 ELSE 0 END) AS respected_yes,
               SUM(CASE WHEN helped >= 4 THEN 1 ELSE 0 END) AS helped_yes,
               SUM(CASE WHEN pressure <> 'no' THEN 1 ELSE 0 END) AS pressured,
               SUM(CASE WHEN doubtful_promise THEN 1 ELSE 0 END) AS doubted_promise
        FROM responses
        WHERE team_id IS NOT NULL AND released_at IS NOT NULL AND month_start IS NOT NULL
        GROUP BY team_id, week_start, month_start, salesperson_id
        UNION ALL
        SELECT team_id, week_start, month_start, salesperson_id, COUNT(*) AS sent, {zeros}
        FROM (
            SELECT e.team_id, {week} AS week_start, {month} AS month_start, e.salesperson_id
            FROM engagements AS e JOIN invitations AS i ON i.engagement_id = e.id
            WHERE e.team_id IS NOT NULL AND i.first_sent_at IS NOT NULL
        ) AS sent_rows
        GROUP BY team_id, week_start, month_start, salesperson_id
    ) AS parts
    GROUP BY team_id, week_start, month_start, salesperson_id
"""


def upgrade():
    op.create_table('response_rollups',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=False),
    sa.Column('salesperson_id', sa.Integer(), nullable=False),
    sa.Column('week_start', sa.Date(), nullable=False),
    sa.Column('month_start', sa.Date(), nullable=False),
    sa.Column('sent', sa.Integer(), nullable=False),
    sa.Column('answers', sa.Integer(), nullable=False),
    sa.Column('respected_sum', sa.Integer(), nullable=False),
    sa.Column('helped_sum', sa.Integer(), nullable=False),
    sa.Column('respected_yes', sa.Integer(), nullable=False),
    sa.Column('helped_yes', sa.Integer(), nullable=False),
    sa.Column('pressured', sa.Integer(), nullable=False),
    sa.Column('doubted_promise', sa.Integer(), nullable=False),
    sa.CheckConstraint('sent >= 0 AND answers >= 0', name=op.f('ck_response_rollups_counts_not_negative')),
    sa.ForeignKeyConstraint(['salesperson_id'], ['users.id'], name=op.f('fk_response_rollups_salesperson_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['team_id'], ['teams.id'], name=op.f('fk_response_rollups_team_id_teams'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_response_rollups')),
    sa.UniqueConstraint('team_id', 'week_start', 'month_start', 'salesperson_id', name='uq_response_rollups_part')
    )

    with op.batch_alter_table('responses', schema=None) as batch_op:
        batch_op.add_column(sa.Column('month_start', sa.Date(), nullable=True))

    dialect = op.get_bind().dialect.name
    if dialect in _CALENDAR:
        week, month = _CALENDAR[dialect]
        op.execute(_FILL_MONTH[dialect])
        op.execute(_COUNT_ROLLUPS.format(
            counts=", ".join(_COUNTS), sums=", ".join(f"SUM({c})" for c in _COUNTS),
            zeros=", ".join(f"0 AS {c}" for c in _COUNTS), week=week, month=month))


def downgrade():
    with op.batch_alter_table('responses', schema=None) as batch_op:
        batch_op.drop_column('month_start')

    op.drop_table('response_rollups')
