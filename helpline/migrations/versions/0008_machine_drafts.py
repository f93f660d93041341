"""machine drafts: Whisper's text of a recording, kept beside the corrected transcript

Revision ID: 0008_machine_drafts
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

import helpline.db

revision = '0008_machine_drafts'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'machine_drafts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('transcript_id', sa.Integer(), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('engine', sa.String(length=32), nullable=False),
        sa.Column('model_id', sa.String(length=120), nullable=False),
        sa.Column('text', sa.Text(), nullable=True),
        sa.Column('words', sa.JSON(), nullable=True),
        sa.Column('confidence', sa.Float(), nullable=True),
        sa.Column('rejected_reason', sa.Text(), nullable=True),
        sa.Column('audio_seconds', sa.Float(), nullable=True),
        sa.Column('cpu_seconds', sa.Float(), nullable=True),
        sa.Column('created_at', helpline.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['transcript_id'], ['transcripts.id'],
                                name=op.f('fk_machine_drafts_transcript_id_transcripts')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_machine_drafts')),
        sa.UniqueConstraint('transcript_id', name=op.f('uq_machine_drafts_transcript_id')),
    )


def downgrade() -> None:
    op.drop_table('machine_drafts')
