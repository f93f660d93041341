"""audit chain: each audit entry's seq, the MAC of the one before it, its own MAC, key id

Existing entries are chained here, in id order, with the key derived from the
SECRET_KEY the app runs with (read as the app reads it), so run `helpline db upgrade`
with the deployment's environment.

Revision ID: 0002_audit_chain
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

import helpline.db

revision = '0002_audit_chain'
down_revision = '0001'
branch_labels = None
depends_on = None

CHAIN_COLUMNS = ('seq', 'prev_hash', 'entry_hash', 'key_id')


def upgrade() -> None:
    # The guards refuse UPDATE, and existing rows must be updated once to chain them.
    _drop_audit_log_guards()
    with op.batch_alter_table('audit_log') as batch:
        batch.add_column(sa.Column('seq', sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column('prev_hash', sa.String(length=64), nullable=True))
        batch.add_column(sa.Column('entry_hash', sa.String(length=64), nullable=True))
        batch.add_column(sa.Column('key_id', sa.String(length=16), nullable=True))
    head = op.create_table('audit_log_head',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.BigInteger(), nullable=False),
    sa.Column('entry_hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_log_head'))
    )
    seq, last_hash = _chain_existing_entries()
    op.bulk_insert(head, [{'id': 1, 'seq': seq, 'entry_hash': last_hash}])
    with op.batch_alter_table('audit_log') as batch:
        for name in CHAIN_COLUMNS:
            batch.alter_column(name, existing_type=_type(name), nullable=False)
        batch.create_unique_constraint(op.f('uq_audit_log_seq'), ['seq'])
    _make_audit_log_append_only()


def downgrade() -> None:
    _drop_audit_log_guards()
    op.drop_table('audit_log_head')
    with op.batch_alter_table('audit_log') as batch:
        batch.drop_constraint(op.f('uq_audit_log_seq'), type_='unique')
        for name in reversed(CHAIN_COLUMNS):
            batch.drop_column(name)
    _make_audit_log_append_only()


def _type(name: str) -> sa.types.TypeEngine:
    return sa.BigInteger() if name == 'seq' else sa.String(length=16 if name == 'key_id' else 64)


def _chain_existing_entries() -> tuple[int, str]:
    from agent_console import audit_chain

    log = sa.table('audit_log', sa.column('id', sa.Integer()),
                   sa.column('at', helpline.db.UTCDateTime()),
                   sa.column('actor_id', sa.Integer()), sa.column('action', sa.String()),
                   sa.column('subject_type', sa.String()), sa.column('subject_id', sa.String()),
                   sa.column('detail', sa.JSON()), *(sa.column(name) for name in CHAIN_COLUMNS))
    bind = op.get_bind()
    rows = bind.execute(sa.select(log).order_by(log.c.id)).mappings().all()
    if not rows:
        return 0, audit_chain.GENESIS
    from helpline.settings import load_settings

    key = audit_chain.derive_key(load_settings().secret_key)
    prev = audit_chain.GENESIS
    for seq, row in enumerate(rows, start=1):
        entry = audit_chain.Entry(
            seq=seq, prev_hash=prev, key_id=key.key_id, at=row['at'],
            actor_id=row['actor_id'], action=row['action'],
            subject_type=row['subject_type'], subject_id=row['subject_id'],
            detail=audit_chain.as_json_value(row['detail']))
        entry_hash = audit_chain.mac(key, entry)
        bind.execute(log.update().where(log.c.id == row['id']).values(
            seq=seq, prev_hash=prev, entry_hash=entry_hash, key_id=key.key_id,
            detail=entry.detail))
        prev = entry_hash
    return len(rows), prev


# As in 0001: the database itself refuses UPDATE and DELETE on the audit log.
def _make_audit_log_append_only() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("""
            CREATE FUNCTION audit_log_append_only() RETURNS trigger AS $$
            BEGIN RAISE EXCEPTION 'audit_log is append-only'; END;
            $$ LANGUAGE plpgsql""")
        op.execute("""
            CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log
            FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()""")
    else:
        for verb in ("UPDATE", "DELETE"):
            op.execute(f"""
                CREATE TRIGGER audit_log_no_{verb.lower()} BEFORE {verb} ON audit_log
                BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END""")


def _drop_audit_log_guards() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_change ON audit_log")
        op.execute("DROP FUNCTION IF EXISTS audit_log_append_only()")
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_update")
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_delete")
