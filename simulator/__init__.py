"""The local Twilio stand-in: a voice engine that follows TwiML over real signed HTTP,
a REST emulator for the subset of Twilio's API the app uses, simulated agent
phones, fault injection, a demo phone page and load/bench tools.

Layers, outside in:
  server.py / cli.py / bench.py   processes and commands
  rest.py, control.py             HTTP faces (Twilio's REST API; /sim/* control)
  engine.py                       runs one call: fetch TwiML, execute verbs
  twiml.py                        TwiML text → verb dataclasses (pure)
  call.py, keypad.py, endpoints.py, queues.py, faults.py, recordings.py, audio.py
                                  the state one call or the whole stand-in holds
  report.py                       a finished (or live) call as plain JSON
"""
