"""The shift rota: who works when, per language, in the helpline's time zone.

`domain` answers the questions as pure functions (who is on shift for a language at
an instant, when the next shift for it starts, where coverage has its next gap);
`csv_import` validates a rota file into plain values; `models` and `store` keep the
rota in the database; `lookup` asks the questions for the IVR and the wallboard.
It lives under `call_routing` because it answers routing's question — who can serve
this caller — with routing's own widening of dialects to their parent language.
"""
