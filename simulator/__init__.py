"""The local Twilio stand-in: a voice engine that follows TwiML over real signed HTTP,
a REST emulator for the subset of Twilio's API the app uses, simulated agent
phones, fault injection, a demo phone page and load/bench tools.

Layers, outside in:
  server.py / cli.py / bench*.py    processes and commands
  rest/                             Twilio's REST API (api.py) and its request log
  phone/                            the demo phone page and the /sim/* control API
  engine.py                         the calls the stand-in knows; runs each one with
  voice/                            TwiML execution: parser, verbs, webhooks, callbacks
  call.py, keypad.py, endpoints.py, queues.py, conferences.py, faults.py,
  recordings.py, audio.py, ids.py, errors.py
                                    the state one call or the whole stand-in holds
  report.py                         a finished (or live) call as plain JSON

Imports run one way (outer layers → engine → voice → state); nothing imports back.
"""
