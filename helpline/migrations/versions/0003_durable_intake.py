"""durable intake: each recording's next step and the job that carries it out

Revision ID: 0003_durable_intake
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

import helpline.db

revision = '0003_durable_intake'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('recordings') as batch:
        batch.add_column(sa.Column('next_step', sa.String(length=16), nullable=True))
        batch.add_column(sa.Column('next_step_at', helpline.db.UTCDateTime(timezone=True),
                                   nullable=True))
        batch.add_column(sa.Column('job_id', sa.String(length=96), nullable=True))
        batch.add_column(sa.Column('requeues', sa.Integer(), server_default='0',
                                   nullable=False))
        batch.add_column(sa.Column('transcription_attempts', sa.Integer(), server_default='0',
                                   nullable=False))
        batch.create_index('ix_recordings_next_step', ['next_step'])
    # Readiness writes here: a database that reads but cannot write is not ready.
    op.create_table('health_probes',
                    sa.Column('id', sa.Integer(), nullable=False),
                    sa.Column('checked_at', helpline.db.UTCDateTime(timezone=True),
                              nullable=False),
                    sa.PrimaryKeyConstraint('id', name=op.f('pk_health_probes')))
    # Recordings already in flight when this runs are swept like new ones.
    op.execute("UPDATE recordings SET next_step = 'download', next_step_at = created_at "
               "WHERE status IN ('received', 'downloading')")


def downgrade() -> None:
    op.drop_table('health_probes')
    with op.batch_alter_table('recordings') as batch:
        batch.drop_index('ix_recordings_next_step')
        for column in ('transcription_attempts', 'requeues', 'job_id', 'next_step_at',
                       'next_step'):
            batch.drop_column(column)
