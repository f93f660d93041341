"""shift rota: weekly shifts and dated exceptions per staff member; a callback
request's not-before time (a callback promised for the next shift waits for it)

Revision ID: 0004_shift_rota
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

import helpline.db

revision = '0004_shift_rota'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('rota_weekly_shifts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=False),
    sa.Column('weekday', sa.Integer(), nullable=False),
    sa.Column('start_minute', sa.Integer(), nullable=False),
    sa.Column('end_minute', sa.Integer(), nullable=False),
    sa.Column('created_at', helpline.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('weekday BETWEEN 0 AND 6', name=op.f('ck_rota_weekly_shifts_weekday')),
    sa.CheckConstraint('start_minute BETWEEN 0 AND 1439', name=op.f('ck_rota_weekly_shifts_start_minute')),
    sa.CheckConstraint('end_minute BETWEEN 1 AND 1440 AND end_minute != start_minute', name=op.f('ck_rota_weekly_shifts_end_minute')),
    sa.ForeignKeyConstraint(['staff_id'], ['staff_users.id'], name=op.f('fk_rota_weekly_shifts_staff_id_staff_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rota_weekly_shifts'))
    )
    with op.batch_alter_table('rota_weekly_shifts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rota_weekly_shifts_staff_id'), ['staff_id'], unique=False)

    op.create_table('rota_exceptions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('start_minute', sa.Integer(), nullable=True),
    sa.Column('end_minute', sa.Integer(), nullable=True),
    sa.Column('note', sa.String(length=200), nullable=False),
    sa.Column('created_at', helpline.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('off', 'extra')", name=op.f('ck_rota_exceptions_kind')),
    sa.CheckConstraint("(kind = 'off' AND start_minute IS NULL AND end_minute IS NULL) OR (kind = 'extra' AND start_minute BETWEEN 0 AND 1439 AND end_minute BETWEEN 1 AND 1440 AND end_minute != start_minute)", name=op.f('ck_rota_exceptions_times')),
    sa.ForeignKeyConstraint(['staff_id'], ['staff_users.id'], name=op.f('fk_rota_exceptions_staff_id_staff_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rota_exceptions'))
    )
    with op.batch_alter_table('rota_exceptions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rota_exceptions_day'), ['day'], unique=False)
        batch_op.create_index(batch_op.f('ix_rota_exceptions_staff_id'), ['staff_id'], unique=False)

    with op.batch_alter_table('callback_requests', schema=None) as batch_op:
        batch_op.add_column(sa.Column('not_before', helpline.db.UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('callback_requests', schema=None) as batch_op:
        batch_op.drop_column('not_before')
    with op.batch_alter_table('rota_exceptions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rota_exceptions_staff_id'))
        batch_op.drop_index(batch_op.f('ix_rota_exceptions_day'))
    op.drop_table('rota_exceptions')
    with op.batch_alter_table('rota_weekly_shifts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rota_weekly_shifts_staff_id'))
    op.drop_table('rota_weekly_shifts')
