"""api tokens: integrators' bearer tokens, hashed at rest

Revision ID: 0014
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

import helpline.db

revision = '0014'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'api_tokens',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=100), nullable=False),
        sa.Column('role', sa.String(length=16), nullable=False),
        sa.Column('languages', sa.String(length=200), nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('created_at', helpline.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column('revoked_at', helpline.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column('last_used_at', helpline.db.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint('id', name='pk_api_tokens'),
        sa.UniqueConstraint('name', name='uq_api_tokens_name'),
        sa.UniqueConstraint('token_hash', name='uq_api_tokens_token_hash'),
    )


def downgrade() -> None:
    op.drop_table('api_tokens')
