"""routed voicemails: who took a voicemail on, and when

Revision ID: 0011_routed_voicemails
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

import helpline.db

revision = '0011_routed_voicemails'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('recordings') as batch:
        batch.add_column(sa.Column('handled_by_id', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('handled_at', helpline.db.UTCDateTime(timezone=True),
                                   nullable=True))
        batch.create_foreign_key('fk_recordings_handled_by_id_staff_users', 'staff_users',
                                 ['handled_by_id'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('recordings') as batch:
        batch.drop_constraint('fk_recordings_handled_by_id_staff_users', type_='foreignkey')
        batch.drop_column('handled_at')
        batch.drop_column('handled_by_id')
