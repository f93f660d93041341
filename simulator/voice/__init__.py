"""TwiML execution: one call run as Twilio runs it.

  twiml.py          TwiML text → verb dataclasses (pure)
  execution.py      the call's run: fetch a document, execute its verbs, follow actions
  document.py       what verbs hand back (Fetch, resolve) and the exceptions ending one
  prompt_verbs.py   <Say> <Play> <Pause> <Gather>
  legs.py           <Dial> (agent legs, <Queue>) and <Record>
  conference_leg.py <Dial><Conference>      queue_leg.py  <Enqueue>
  outbound.py       a call placed with the REST API rings its callee
  callbacks.py      recording status callbacks: what they carry, sent later
  webhooks.py       requests to the app, signed as Twilio signs them

Imports run one way: execution → the verb modules → document, callbacks, twiml; a verb
module names `CallExecution` for its types only.
"""
