"""`helpline backup DEST` and `helpline restore SRC`: the database, the recordings, the
prompt recordings and the instance secrets in one archive with a SHA-256 manifest.

- `archive`: the tar file and its manifest, written privately and verified in full
  before anything is restored;
- `databases`: a consistent copy of the database (SQLite's online backup API;
  PostgreSQL's pg_dump in custom format from an exported snapshot) and its row counts;
- `operations`: what backup and restore do with them, in order.
"""
