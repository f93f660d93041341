"""rq queue names, in one place. Jobs take ids, never ORM objects or phone numbers."""

ROUTING = "routing"          # reservations, bridging, sweeps: latency matters most
RECORDINGS = "recordings"    # download, verify, store, delete at Twilio
TRANSCRIPTION = "transcription"
MAINTENANCE = "maintenance"  # retention purges, housekeeping

# Order matters: a worker listening on all takes routing work first.
ALL = (ROUTING, RECORDINGS, TRANSCRIPTION, MAINTENANCE)
