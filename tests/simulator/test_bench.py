"""`helpline bench webhooks` against the TwiML test app: figures per endpoint."""

from simulator.bench import bench_webhooks, percentile
from tests.builders import make_environ


def test_percentiles():
    values = list(range(1, 101))
    assert (percentile(values, 0.5), percentile(values, 0.95), percentile(values, 0.99)) == (
        50, 95, 99)
    assert percentile([], 0.5) == 0.0


def test_bench_reports_latency_per_endpoint(twiml_app, tmp_path, monkeypatch):
    for key, value in make_environ(tmp_path).items():
        monkeypatch.setenv(key, value)
    twiml_app.documents["/twilio/voice/incoming"] = (
        '<Response><Gather numDigits="1" action="/twilio/voice/main"><Say>menu</Say></Gather>'
        "</Response>")
    twiml_app.documents["/twilio/voice/main"] = lambda p: (
        ("oops", 500, "text/plain") if p["Digits"] == "*" else
        '<Response><Pause length="30"/><Redirect>/twilio/voice/incoming</Redirect></Response>')
    twiml_app.documents["/twilio/voice/status"] = ""
    result = bench_webhooks(["--callers", "3", "--duration", "1", "--app-url",
                             twiml_app.base_url, "--json"])
    assert result["calls"] >= 3 and result["still_running"] == 0
    incoming = result["endpoints"]["/twilio/voice/incoming"]
    assert incoming["requests"] > 0 and 0 < incoming["p50_ms"] <= incoming["p99_ms"] \
        <= incoming["max_ms"]
    assert result["endpoints"]["/twilio/voice/main"]["errors"] == result["notices"].get("11200", 0)
    assert result["requests"] == sum(e["requests"] for e in result["endpoints"].values())


def test_bench_refuses_remote_hosts(tmp_path, monkeypatch):
    for key, value in make_environ(tmp_path).items():
        monkeypatch.setenv(key, value)
    assert "error" in bench_webhooks(["--app-url", "http://example.org"])
