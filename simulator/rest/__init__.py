"""The REST emulator: Twilio's 2010-04-01 API as far as the helpline uses it (`api`:
`create_rest_app`, `make_rest_blueprint`), and the log of every request it answered
(`log`)."""
