"""Fault injection against the real stack: the harness behind `tests/chaos/` and
`helpline bench chaos --json`.

Nothing here is mocked. A scenario starts `helpline run` as a subprocess with its
own redis-server and database, places calls through the Twilio stand-in's `/sim/*`
API over real HTTP, breaks something for real (kills a process, stops Redis,
locks or freezes the database, makes the stand-in drop a callback or stall a
download), and reads the outcome from the database and the stand-in's call reports.

  redis_server.py  a redis-server this harness owns, so it can kill and restart it
  database.py      SQLite or a PostgreSQL database of its own; locks and read-only
  stack.py         `helpline run` as a subprocess: readiness, children, kills, teardown
  calls.py         the stand-in's control API and an agent in the console's JSON API
  figures.py       what happened, from the database and the call reports
  scenarios.py     each fault as a function returning a dict of figures
  bench.py         `helpline bench chaos --json`
"""
