"""The Lua scripts that change routing state atomically inside Redis.

Every transition that could race (two web processes accepting, a sweep expiring
a reservation while the agent clicks accept) is one script: Redis runs a script
alone, so its precondition checks and its writes cannot interleave with another.
The policy decides *who*; these scripts only check that the choice still holds
and commit it, or refuse with a stable reason the engine can act on.

Each script is one file in `call_routing/lua/`: the shared `prelude.lua` (key names,
agent, queue and offer helpers) runs before its body, and its opening comment names
its ARGV. ARGV[1] is always the key prefix, so tests and benchmarks can isolate
state. Keys hold CallSids, RecordingSids and agent ids only — never a phone number.
The `peek_*` scripts commit nothing: they are scripts only to make a read one round
trip.
"""

from __future__ import annotations

from pathlib import Path

LUA_DIR = Path(__file__).with_name("lua")

NAMES = (
    # reads
    "peek_agent", "peek_agents", "peek_holders",
    # work joining, being offered and taken, leaving
    "join", "reserve", "preempt", "accept", "release", "leave", "bridge_failed",
    # agents' presence
    "presence",
    # transfers and interpreters
    "transfer", "interpreter", "accept_interpreter", "interpreter_left",
    # deferred work: callbacks and voicemails
    "retry", "take", "defer", "promote",
    # supervisors: forcing an agent's state, reassigning work to a named agent
    "force_presence", "direct", "take_directed", "undirect_due",
    # one-off repair of state written before an index existed
    "rebuild_serving",
)


def _read(name: str) -> str:
    return "\n" + (LUA_DIR / f"{name}.lua").read_text(encoding="utf-8")


PRELUDE = _read("prelude")
SCRIPTS = {name: _read(name) for name in NAMES}
