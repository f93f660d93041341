"""The staff recording line: staff phone a number of its own, identify with their staff
number and a personal PIN (set in the console), choose a language and a prompt by
keys, hear what callers hear now, record, listen back, and keep or redo. A kept take
is processed like every prompt recording and stored as a draft by its speaker.

Modules: `domain` (where each key leads, pure), `models` (the PIN row), `pins` (set,
check, lock out; audited), `takes` (a take between Twilio and keep: Redis record and
file), `jobs` (fetch the take from Twilio, process it, delete Twilio's copy), `twiml`
(rendering), `calls` (what every webhook shares: who is signed in on the call, the
list to record, URLs), `views` (signing in and choosing) and `take_views` (recording,
playback, keep).
"""
