"""prompt review: reviewers per language, recordings and stored texts with their review
state, and the prompt state version counter

Revision ID: 0006_prompt_review
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

import helpline.db

revision = '0006_prompt_review'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('prompt_reviewers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=False),
    sa.Column('language', sa.String(length=8), nullable=False),
    sa.Column('granted_by_id', sa.Integer(), nullable=True),
    sa.Column('granted_at', helpline.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['granted_by_id'], ['staff_users.id'], name=op.f('fk_prompt_reviewers_granted_by_id_staff_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['staff_id'], ['staff_users.id'], name=op.f('fk_prompt_reviewers_staff_id_staff_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_prompt_reviewers')),
    sa.UniqueConstraint('staff_id', 'language', name='uq_prompt_reviewers_staff_language')
    )
    with op.batch_alter_table('prompt_reviewers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_prompt_reviewers_staff_id'), ['staff_id'], unique=False)

    op.create_table('prompt_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('language', sa.String(length=8), nullable=False),
    sa.Column('prompt_id', sa.String(length=64), nullable=False),
    sa.Column('variant', sa.String(length=32), nullable=False),
    sa.Column('kind', sa.String(length=9), nullable=False),
    sa.Column('state', sa.String(length=10), nullable=False),
    sa.Column('source', sa.String(length=9), nullable=False),
    sa.Column('file', sa.String(length=200), nullable=True),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('seconds', sa.Float(), nullable=True),
    sa.Column('text', sa.Text(), nullable=True),
    sa.Column('text_one', sa.Text(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_by_name', sa.String(length=120), nullable=True),
    sa.Column('created_at', helpline.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('reviewed_by_id', sa.Integer(), nullable=True),
    sa.Column('reviewed_at', helpline.db.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint("kind IN ('recording', 'text')", name=op.f('ck_prompt_items_kind')),
    sa.CheckConstraint("source IN ('upload', 'browser', 'phone', 'import', 'catalogue')", name=op.f('ck_prompt_items_source')),
    sa.CheckConstraint("state IN ('draft', 'reviewed', 'superseded')", name=op.f('ck_prompt_items_state')),
    sa.ForeignKeyConstraint(['created_by_id'], ['staff_users.id'], name=op.f('fk_prompt_items_created_by_id_staff_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['reviewed_by_id'], ['staff_users.id'], name=op.f('fk_prompt_items_reviewed_by_id_staff_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_prompt_items'))
    )
    with op.batch_alter_table('prompt_items', schema=None) as batch_op:
        batch_op.create_index('ix_prompt_items_cell', ['language', 'prompt_id', 'variant', 'kind', 'state'], unique=False)

    op.create_table('prompt_state_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('changed_at', helpline.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('id = 1', name=op.f('ck_prompt_state_version_single_row')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_prompt_state_version'))
    )


def downgrade() -> None:
    op.drop_table('prompt_state_version')
    with op.batch_alter_table('prompt_items', schema=None) as batch_op:
        batch_op.drop_index('ix_prompt_items_cell')
    op.drop_table('prompt_items')
    with op.batch_alter_table('prompt_reviewers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_prompt_reviewers_staff_id'))
    op.drop_table('prompt_reviewers')
