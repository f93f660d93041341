"""recording line: staff PINs for recording prompts by phone

Revision ID: 0009_recording_line
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

import helpline.db

revision = '0009_recording_line'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('recording_pins',
    sa.Column('staff_id', sa.Integer(), nullable=False),
    sa.Column('pin_hash', sa.String(length=255), nullable=False),
    sa.Column('set_at', helpline.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('locked_until', helpline.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['staff_id'], ['staff_users.id'], name=op.f('fk_recording_pins_staff_id_staff_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('staff_id', name=op.f('pk_recording_pins'))
    )


def downgrade() -> None:
    op.drop_table('recording_pins')
