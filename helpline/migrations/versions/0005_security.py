"""PII key rotation: which keys made each caller's link, the reference agents first
saw, and the chained link versions with their retired HMAC keys (sealed)

Existing links keep version NULL: made with the oldest key HELPLINE_PII_KEY lists.

Revision ID: 0005_security
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

import helpline.db

revision = '0005_security'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('callers') as batch:
        batch.add_column(sa.Column('number_hmac_version', sa.String(length=255), nullable=True))
        batch.add_column(sa.Column('reference', sa.String(length=16), nullable=True))
    op.create_table('caller_link_versions',
    sa.Column('version', sa.String(length=255), nullable=False),
    sa.Column('sealed_keys', sa.Text(), nullable=False),
    sa.Column('created_at', helpline.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('version', name=op.f('pk_caller_link_versions'))
    )


def downgrade() -> None:
    op.drop_table('caller_link_versions')
    with op.batch_alter_table('callers') as batch:
        batch.drop_column('reference')
        batch.drop_column('number_hmac_version')
