"""The Lua scripts that change routing state atomically inside Redis.

Every transition that could race (two web processes accepting, a sweep expiring
a reservation while the agent clicks accept) is one script: Redis runs a script
alone, so its precondition checks and its writes cannot interleave with another.
The policy decides *who*; these scripts only check that the choice still holds
and commit it, or refuse with a stable reason the engine can act on.

Each script is the shared prelude (key names, agent helpers) plus its body.
ARGV[1] is always the key prefix, so tests and benchmarks can isolate state.
Keys hold CallSids and agent ids only — never a phone number.
"""

from __future__ import annotations

PRELUDE = r"""
local p = ARGV[1]
local function akey(aid) return p .. 'agent:' .. aid end
local function ckey(sid) return p .. 'call:' .. sid end

-- skills are stored as "km:5,th:3"
local function skills_of(aid)
  local out = {}
  local raw = redis.call('HGET', akey(aid), 'skills') or ''
  for lang, prof in string.gmatch(raw, '([^:,]+):(%d)') do
    out[#out + 1] = {lang, prof}
  end
  return out
end

-- availn keeps each available set's size ("km:5" -> 3), so the scarcity rule reads
-- every count it needs in one HMGET; it moves only by what ZADD/ZREM really changed.
local function leave_available_sets(aid)
  for _, s in ipairs(skills_of(aid)) do
    local field = s[1] .. ':' .. s[2]
    if redis.call('ZREM', p .. 'avail:' .. field, aid) > 0 then
      redis.call('HINCRBY', p .. 'availn', field, -1)
    end
  end
end

local function join_available_sets(aid, idle_since)
  for _, s in ipairs(skills_of(aid)) do
    local field = s[1] .. ':' .. s[2]
    if redis.call('ZADD', p .. 'avail:' .. field, idle_since, aid) > 0 then
      redis.call('HINCRBY', p .. 'availn', field, 1)
    end
  end
end

local function set_online(aid, online)
  for _, s in ipairs(skills_of(aid)) do
    if online then redis.call('SADD', p .. 'online:' .. s[1], aid)
    else redis.call('SREM', p .. 'online:' .. s[1], aid) end
  end
end

-- Serving a language = able to answer soon: a break, a missed offer or offline is not.
local SERVING = {available = true, reserved = true, on_call = true, wrap_up = true}

local function set_serving(aid, serving)
  for _, s in ipairs(skills_of(aid)) do
    if serving then redis.call('SADD', p .. 'serving:' .. s[1], aid)
    else redis.call('SREM', p .. 'serving:' .. s[1], aid) end
  end
end

local function set_state(aid, state, reason, now)
  redis.call('HSET', akey(aid), 'state', state, 'reason', reason or '', 'since', now)
  set_serving(aid, SERVING[state] == true)
end

local function journal(entry, limit)
  local key = p .. 'journal'
  redis.call('RPUSH', key, entry)
  if tonumber(limit) > 0 then redis.call('LTRIM', key, -tonumber(limit), -1) end
end

-- Work is a live call (a caller on the line) or deferred: a callback or a voicemail.
-- Live calls wait in q:<skill>, deferred work in dq:<skill>, and deferred work that
-- may not be offered yet (a callback's not-before time) in `later`.
local function kind_of(sid)
  local c = redis.call('HMGET', ckey(sid), 'kind', 'callback')
  if c[1] and c[1] ~= '' then return c[1] end
  if c[2] == '1' then return 'callback' end
  return 'call'
end

local function is_deferred(kind) return kind == 'callback' or kind == 'voicemail' end

local function queue_key(kind, skill)
  if is_deferred(kind) then return p .. 'dq:' .. skill end
  return p .. 'q:' .. skill
end

local function unqueue(sid, kind, skill)
  redis.call('ZREM', queue_key(kind, skill), sid)
  if is_deferred(kind) then redis.call('ZREM', p .. 'later', sid) end
end

-- An offer is over (accepted, released, withdrawn): out of the deadline and
-- deferred-offer indexes.
local function drop_offer(aid)
  redis.call('ZREM', p .. 'reservations', aid)
  redis.call('ZREM', p .. 'doffers', aid)
end

local function become_available(aid, now, keep_idle)
  local idle = now
  if keep_idle then idle = redis.call('HGET', akey(aid), 'idle_since') or now end
  set_state(aid, 'available', '', now)
  redis.call('HSET', akey(aid), 'idle_since', idle, 'call', '', 'deadline', '', 'offer_kind', '')
  join_available_sets(aid, idle)
end

local function become_busy(aid, state, reason, now)
  leave_available_sets(aid)
  set_state(aid, state, reason, now)
end

local function requeue(sid, score, now)
  local c = redis.call('HMGET', ckey(sid), 'skill', 'not_before')
  local kind = kind_of(sid)
  redis.call('HSET', ckey(sid), 'state', 'waiting', 'agent', '', 'score', score)
  if is_deferred(kind) and c[2] and c[2] ~= '' and tonumber(c[2]) > tonumber(now) then
    redis.call('ZADD', p .. 'later', c[2], sid)
  else
    redis.call('ZADD', queue_key(kind, c[1]), score, sid)
  end
end

local function stat(day, skill, field, by)
  local key = p .. 'stats:' .. day .. ':' .. skill
  redis.call('HINCRBYFLOAT', key, field, by)
  redis.call('EXPIRE', key, 8 * 86400)
end

local function start_wrap_up(aid, now, wrap_until)
  set_state(aid, 'wrap_up', '', now)
  redis.call('HSET', akey(aid), 'call', '', 'deadline', '', 'offer_kind', '',
             'wrap_until', wrap_until)
  redis.call('ZADD', p .. 'wrapups', wrap_until, aid)
end

-- The offer lapses (why 'missed') or is turned down ('declined'): a break for the
-- agent, and the work keeps its place, back under the score it had. An interpreter
-- offer leaves the call as it is: the agent on it simply has no interpreter yet.
local function release_offer(aid, sid, why, now, limit)
  local offer_kind = redis.call('HGET', akey(aid), 'offer_kind')
  drop_offer(aid)
  set_state(aid, 'break', why, now)
  redis.call('HSET', akey(aid), 'call', '', 'deadline', '', 'offer_kind', '')
  if offer_kind == 'interpreter' then
    if redis.call('HGET', ckey(sid), 'interpreter_offer') == aid then
      redis.call('HSET', ckey(sid), 'interpreter_offer', '')
    end
  else
    requeue(sid, redis.call('HGET', ckey(sid), 'score'), now)
  end
  journal('release ' .. aid .. ' ' .. sid .. ' ' .. why, limit)
end

-- Withdraw an offer the agent was never told anything useful about: straight back
-- to available, keeping their turn.
local function cancel_offer(aid, sid, limit, now)
  drop_offer(aid)
  become_available(aid, now, true)
  journal('release ' .. aid .. ' ' .. sid .. ' cancelled', limit)
end

local function finish_call(sid, reason, now)
  redis.call('HSET', ckey(sid), 'state', 'ended', 'ended_reason', reason, 'ended_at', now)
  redis.call('EXPIRE', ckey(sid), 86400)
end
"""

# ARGV: prefix, sid, language, dialect, skill, now, score, urgent, kind, day, limit,
#       not_before ('' = none), class_span, deferred_class, joined_at (when the work
#       arose: a voicemail's recording time)
# A live call already queued that asks for a callback becomes one and keeps its place
# (its first arrival time); an offer of it to an agent is withdrawn.
JOIN = r"""
local sid, now, kind = ARGV[2], ARGV[6], ARGV[9]
local k = ckey(sid)
local state = redis.call('HGET', k, 'state')
if state and state ~= 'ended' then
  local had = kind_of(sid)
  if kind ~= 'callback' or had ~= 'call' or (state ~= 'waiting' and state ~= 'reserved') then
    return {'exists', state, ''}
  end
  local c = redis.call('HMGET', k, 'skill', 'agent', 'joined_at')
  unqueue(sid, had, c[1])
  local released = ''
  if state == 'reserved' and c[2] and c[2] ~= '' then
    cancel_offer(c[2], sid, ARGV[11], now)
    released = c[2]
  end
  stat(ARGV[10], c[1], 'diverted', 1)
  redis.call('HSET', k, 'kind', 'callback', 'callback', '1', 'not_before', ARGV[12])
  requeue(sid, tonumber(ARGV[14]) * tonumber(ARGV[13]) + tonumber(c[3]), now)
  journal('join ' .. sid, ARGV[11])
  return {'converted', 'waiting', released}
end
if state == 'ended' and not is_deferred(kind) then
  local why = redis.call('HGET', k, 'ended_reason')
  -- a caller who hung up or was answered never comes back; one sent to the
  -- voicemail offer may choose to keep waiting. Deferred work is the database's to
  -- decide (an open callback request, an unhandled voicemail), so it may return.
  if why ~= 'voicemail' and why ~= 'callback' and why ~= 'max_wait' and why ~= 'no_agents' then
    return {'ended', why, ''}
  end
end
if state == 'ended' then redis.call('PERSIST', k) end
redis.call('HSET', k, 'language', ARGV[3], 'dialect', ARGV[4], 'skill', ARGV[5],
  'joined_at', ARGV[15], 'urgent', ARGV[8], 'kind', kind,
  'callback', kind == 'callback' and '1' or '0', 'not_before', ARGV[12], 'agent', '',
  'ended_reason', '', 'interpreter', '', 'interpreter_offer', '')
if redis.call('HSETNX', k, 'first_joined_at', ARGV[15]) == 1 and not is_deferred(kind) then
  stat(ARGV[10], ARGV[5], 'offered', 1)
end
requeue(sid, ARGV[7], now)
journal('join ' .. sid, ARGV[11])
return {'ok', 'waiting', ''}
"""

# ARGV: prefix, agent_id, sid, now, deadline, limit
RESERVE = r"""
local aid, sid, now = ARGV[2], ARGV[3], ARGV[4]
local astate = redis.call('HGET', akey(aid), 'state')
if astate ~= 'available' then return {'agent_not_available', astate or 'unknown'} end
local c = redis.call('HMGET', ckey(sid), 'state', 'skill', 'not_before')
if c[1] ~= 'waiting' then return {'call_not_waiting', c[1] or 'unknown'} end
if c[3] and c[3] ~= '' and tonumber(c[3]) > tonumber(now) then return {'not_due', c[3]} end
local kind = kind_of(sid)
unqueue(sid, kind, c[2])
become_busy(aid, 'reserved', '', now)
redis.call('HSET', akey(aid), 'call', sid, 'deadline', ARGV[5], 'offer_kind', '')
redis.call('HSET', ckey(sid), 'state', 'reserved', 'agent', aid)
redis.call('ZADD', p .. 'reservations', ARGV[5], aid)
if is_deferred(kind) then
  redis.call('ZADD', p .. 'doffers', redis.call('HGET', akey(aid), 'idle_since') or now, aid)
end
journal('reserve ' .. aid .. ' ' .. sid, ARGV[6])
return {'ok', c[2]}
"""

# ARGV: prefix, agent_id, live sid, now, deadline, limit
# A live caller nobody available can take claims an agent who is only being offered
# deferred work: that work goes back under its own score, the caller is offered.
PREEMPT = r"""
local aid, sid, now = ARGV[2], ARGV[3], ARGV[4]
local a = redis.call('HMGET', akey(aid), 'state', 'call', 'offer_kind')
if a[1] ~= 'reserved' or not a[2] or a[2] == '' then return {'no_offer', a[1] or 'unknown'} end
local held = a[2]
if (a[3] or '') ~= '' or not is_deferred(kind_of(held)) then return {'not_deferred', held} end
local c = redis.call('HMGET', ckey(sid), 'state', 'skill')
if c[1] ~= 'waiting' then return {'call_not_waiting', c[1] or 'unknown'} end
if is_deferred(kind_of(sid)) then return {'not_live', sid} end
drop_offer(aid)
requeue(held, redis.call('HGET', ckey(held), 'score'), now)
journal('release ' .. aid .. ' ' .. held .. ' preempted', ARGV[6])
redis.call('ZREM', p .. 'q:' .. c[2], sid)
set_state(aid, 'reserved', '', now)
redis.call('HSET', akey(aid), 'call', sid, 'deadline', ARGV[5], 'offer_kind', '')
redis.call('HSET', ckey(sid), 'state', 'reserved', 'agent', aid)
redis.call('ZADD', p .. 'reservations', ARGV[5], aid)
journal('reserve ' .. aid .. ' ' .. sid, ARGV[6])
return {'ok', held}
"""

# ARGV: prefix, agent_id, sid, now, day, sl_seconds, limit
# An accept at or after the offer's deadline is refused and the offer lapses there and
# then ('expired'), so a late click never wins, however late the sweep runs.
# Deferred work is not a call answered: it stays out of the live figures.
ACCEPT = r"""
local aid, sid, now = ARGV[2], ARGV[3], tonumber(ARGV[4])
local a = redis.call('HMGET', akey(aid), 'state', 'call', 'deadline', 'offer_kind')
if a[1] ~= 'reserved' or a[2] ~= sid or a[4] == 'interpreter' then
  return {'no_offer', a[1] or 'unknown'}
end
local c = redis.call('HMGET', ckey(sid), 'state', 'skill', 'first_joined_at', 'counted')
if c[1] ~= 'reserved' then return {'call_gone', c[1] or 'unknown'} end
if a[3] and a[3] ~= '' and tonumber(a[3]) <= now then
  release_offer(aid, sid, 'missed', now, ARGV[7])
  return {'expired', a[3]}
end
drop_offer(aid)
set_state(aid, 'on_call', '', now)
redis.call('HSET', akey(aid), 'deadline', '', 'offer_kind', '')
redis.call('HSET', ckey(sid), 'state', 'connected', 'accepted_at', now)
local waited = now - tonumber(c[3])
if c[4] ~= '1' and not is_deferred(kind_of(sid)) then
  redis.call('HSET', ckey(sid), 'counted', '1', 'counted_by', aid)
  stat(ARGV[5], c[2], 'answered', 1)
  stat(ARGV[5], c[2], 'answer_wait_total', waited)
  if waited <= tonumber(ARGV[6]) then stat(ARGV[5], c[2], 'answered_in_sl', 1) end
  local recent = p .. 'recent:' .. c[2]
  redis.call('LPUSH', recent, waited)
  redis.call('LTRIM', recent, 0, 19)
end
journal('accept ' .. aid .. ' ' .. sid, ARGV[7])
return {'ok', tostring(waited)}
"""

# ARGV: prefix, agent_id, sid, now, why ('declined' / 'missed'), limit
# 'missed' only when the deadline has passed: an accept that won the race stands.
RELEASE = r"""
local aid, sid, now, why = ARGV[2], ARGV[3], ARGV[4], ARGV[5]
local a = redis.call('HMGET', akey(aid), 'state', 'call', 'deadline')
if a[1] ~= 'reserved' or a[2] ~= sid then return {'no_offer', a[1] or 'unknown'} end
if why == 'missed' and tonumber(a[3]) > tonumber(now) then return {'not_due', a[3]} end
release_offer(aid, sid, why, now, ARGV[6])
return {'ok', 'break'}
"""

# ARGV: prefix, agent_id, target ('available' / 'break' / 'offline'), reason, now,
#       skills ("km:5,th:3", '' = keep), from ('' = any idle state, or a required state)
PRESENCE = r"""
local aid, target, reason, now = ARGV[2], ARGV[3], ARGV[4], ARGV[5]
local state = redis.call('HGET', akey(aid), 'state') or 'offline'
if ARGV[7] ~= '' and state ~= ARGV[7] then return {'wrong_state', state} end
if state == 'reserved' or state == 'on_call' then return {'agent_busy', state} end
leave_available_sets(aid)
set_online(aid, false)
set_serving(aid, false)
if ARGV[6] ~= '' then redis.call('HSET', akey(aid), 'skills', ARGV[6]) end
redis.call('ZREM', p .. 'wrapups', aid)
if target == 'available' then
  become_available(aid, now, state == 'available')
else
  set_state(aid, target, reason, now)
end
if target ~= 'offline' then set_online(aid, true) end
return {'ok', state}
"""

# ARGV: prefix, sid, now, reason, day, short_abandon_seconds, wrap_until, limit,
#       only_queued ('1': leave only a waiting or offered call, as a ghost is removed)
# Ends a call wherever it is: waiting, offered, or talking (then agents wrap up, and an
# interpreter still being offered the call is freed).
# 'gone' is a caller found to have hung up whose status callback never came.
LEAVE = r"""
local sid, now, reason = ARGV[2], tonumber(ARGV[3]), ARGV[4]
local c = redis.call('HMGET', ckey(sid), 'state', 'skill', 'agent', 'joined_at', 'interpreter',
                     'counted', 'interpreter_offer')
local state = c[1]
if not state or state == 'ended' then return {'absent', state or 'unknown', '', ''} end
if ARGV[9] == '1' and state ~= 'waiting' and state ~= 'reserved' then
  return {'absent', state, '', ''}
end
local aid = c[3] or ''
local freed = ''
local kind = kind_of(sid)
if state == 'waiting' or state == 'reserved' then
  unqueue(sid, kind, c[2])
  if state == 'reserved' then cancel_offer(aid, sid, ARGV[8], now) end
  local waited = now - tonumber(c[4])
  if c[6] == '1' or is_deferred(kind) then
    -- answered once already (then transferred), or not a call: not an abandoned call
  elseif reason == 'hung_up' or reason == 'abandoned' or reason == 'gone' then
    stat(ARGV[5], c[2], 'abandoned', 1)
    if waited > tonumber(ARGV[6]) then stat(ARGV[5], c[2], 'abandoned_after_short', 1) end
  else
    stat(ARGV[5], c[2], 'diverted', 1)
  end
else
  for _, agent in ipairs({aid, c[5] or ''}) do
    if agent ~= '' and redis.call('HGET', akey(agent), 'call') == sid then
      start_wrap_up(agent, now, ARGV[7])
      journal('end ' .. agent .. ' ' .. sid, ARGV[8])
    end
  end
  local invited = c[7] or ''
  if invited ~= '' and redis.call('HGET', akey(invited), 'call') == sid
     and redis.call('HGET', akey(invited), 'state') == 'reserved' then
    cancel_offer(invited, sid, ARGV[8], now)
    freed = invited
  end
end
finish_call(sid, reason, now)
journal('leave ' .. sid .. ' ' .. reason, ARGV[8])
return {'ok', state, aid, freed}
"""

# ARGV: prefix, sid, now, day, returned_score, sl_seconds, limit, agent_fate,
#       short_abandon_seconds
# The agent's phone never answered (fate 'missed': a break), or the bridge could
# not be started at all (fate 'available'): either way the caller goes to the front.
# Fate 'gone': it could not start because the caller had hung up. The agent is free
# at once (it was nobody's fault) and the call ends, abandoned in the queue.
BRIDGE_FAILED = r"""
local sid, now = ARGV[2], tonumber(ARGV[3])
local c = redis.call('HMGET', ckey(sid), 'state', 'skill', 'agent', 'first_joined_at',
                     'accepted_at', 'counted_by', 'interpreter', 'joined_at',
                     'interpreter_offer')
if c[1] ~= 'connected' then return {'not_connected', c[1] or 'unknown', ''} end
if c[7] and c[7] ~= '' then return {'in_conference', c[7], ''} end
if c[9] and c[9] ~= '' then return {'in_conference', c[9], ''} end
local aid = c[3]
if redis.call('HGET', akey(aid), 'call') == sid then
  if ARGV[8] == 'missed' then
    set_state(aid, 'break', 'missed', now)
    redis.call('HSET', akey(aid), 'call', '')
  else
    become_available(aid, now, true)
  end
end
if c[6] == aid then
  -- this agent's answer was counted; it did not happen after all
  local waited = tonumber(c[5]) - tonumber(c[4])
  stat(ARGV[4], c[2], 'answered', -1)
  stat(ARGV[4], c[2], 'answer_wait_total', -waited)
  if waited <= tonumber(ARGV[6]) then stat(ARGV[4], c[2], 'answered_in_sl', -1) end
  redis.call('HSET', ckey(sid), 'counted', '0', 'counted_by', '')
end
journal('fail ' .. aid .. ' ' .. sid, ARGV[7])
if ARGV[8] == 'gone' then
  if redis.call('HGET', ckey(sid), 'counted') ~= '1' then
    stat(ARGV[4], c[2], 'abandoned', 1)
    if now - tonumber(c[8]) > tonumber(ARGV[9]) then
      stat(ARGV[4], c[2], 'abandoned_after_short', 1)
    end
  end
  finish_call(sid, 'gone', now)
  journal('leave ' .. sid .. ' gone', ARGV[7])
  return {'ok', 'ended', aid}
end
requeue(sid, ARGV[5], now)
return {'ok', 'waiting', aid}
"""

# ARGV: prefix, sid, now, wrap_until, mode ('queue' / 'agent'), target, score, deadline, limit
# Cold transfer: the first agent wraps up; the caller goes to the front of another
# language queue, or is offered straight to a named agent who is available. Either
# way the next offer of this call says it is a transfer.
TRANSFER = r"""
local sid, now, mode, target = ARGV[2], ARGV[3], ARGV[5], ARGV[6]
local c = redis.call('HMGET', ckey(sid), 'state', 'agent', 'interpreter', 'interpreter_offer')
if c[1] ~= 'connected' then return {'not_connected', c[1] or 'unknown'} end
if c[3] and c[3] ~= '' then return {'in_conference', c[3]} end
if c[4] and c[4] ~= '' then return {'in_conference', c[4]} end
if is_deferred(kind_of(sid)) then return {'not_connected', 'deferred'} end
if mode == 'agent' then
  if target == c[2] then return {'same_agent', target} end
  local tstate = redis.call('HGET', akey(target), 'state')
  if tstate ~= 'available' then return {'agent_not_available', tstate or 'offline'} end
end
local from = c[2]
start_wrap_up(from, now, ARGV[4])
journal('end ' .. from .. ' ' .. sid, ARGV[9])
redis.call('HSET', ckey(sid), 'counted', '1', 'transferred', '1')
if mode == 'queue' then
  redis.call('HSET', ckey(sid), 'skill', target, 'joined_at', now)
  requeue(sid, ARGV[7], now)
  return {'ok', 'waiting'}
end
redis.call('HSET', ckey(sid), 'score', ARGV[7])
become_busy(target, 'reserved', '', now)
redis.call('HSET', akey(target), 'call', sid, 'deadline', ARGV[8], 'offer_kind', 'transfer')
redis.call('HSET', ckey(sid), 'state', 'reserved', 'agent', target)
redis.call('ZADD', p .. 'reservations', ARGV[8], target)
journal('reserve ' .. target .. ' ' .. sid, ARGV[9])
return {'ok', 'reserved'}
"""

# ARGV: prefix, sid, interpreter_agent_id, now, deadline, limit
# The interpreter is offered the call (reserved, with a deadline like any offer); they
# join it only when they accept (ACCEPT_INTERPRETER).
INTERPRETER = r"""
local sid, aid, now = ARGV[2], ARGV[3], ARGV[4]
local c = redis.call('HMGET', ckey(sid), 'state', 'agent', 'interpreter', 'interpreter_offer')
if c[1] ~= 'connected' then return {'not_connected', c[1] or 'unknown'} end
if c[3] and c[3] ~= '' then return {'in_conference', c[3]} end
if c[4] and c[4] ~= '' then return {'in_conference', c[4]} end
if is_deferred(kind_of(sid)) then return {'not_connected', 'deferred'} end
if aid == c[2] then return {'same_agent', aid} end
local astate = redis.call('HGET', akey(aid), 'state')
if astate ~= 'available' then return {'agent_not_available', astate or 'offline'} end
become_busy(aid, 'reserved', 'interpreter', now)
redis.call('HSET', akey(aid), 'call', sid, 'deadline', ARGV[5], 'offer_kind', 'interpreter')
redis.call('HSET', ckey(sid), 'interpreter_offer', aid)
redis.call('ZADD', p .. 'reservations', ARGV[5], aid)
journal('interpret ' .. aid .. ' ' .. sid, ARGV[6])
return {'ok', c[2]}
"""

# ARGV: prefix, agent_id, sid, now, limit
ACCEPT_INTERPRETER = r"""
local aid, sid, now = ARGV[2], ARGV[3], tonumber(ARGV[4])
local a = redis.call('HMGET', akey(aid), 'state', 'call', 'deadline', 'offer_kind')
if a[1] ~= 'reserved' or a[2] ~= sid or a[4] ~= 'interpreter' then
  return {'no_offer', a[1] or 'unknown', ''}
end
local c = redis.call('HMGET', ckey(sid), 'state', 'interpreter_offer', 'agent')
if c[1] ~= 'connected' or c[2] ~= aid then return {'call_gone', c[1] or 'unknown', ''} end
if a[3] and a[3] ~= '' and tonumber(a[3]) <= now then
  release_offer(aid, sid, 'missed', now, ARGV[5])
  return {'expired', a[3], ''}
end
drop_offer(aid)
set_state(aid, 'on_call', 'interpreter', now)
redis.call('HSET', akey(aid), 'deadline', '', 'offer_kind', '')
redis.call('HSET', ckey(sid), 'interpreter', aid, 'interpreter_offer', '')
return {'ok', c[3], ''}
"""

# ARGV: prefix, sid, now, wrap_until, not_before, limit
# A callback attempt that did not reach the caller: the agent wraps up, and the request
# goes back to its place in line, offered again from `not_before`.
RETRY = r"""
local sid, now = ARGV[2], ARGV[3]
local c = redis.call('HMGET', ckey(sid), 'state', 'agent')
if c[1] ~= 'connected' then return {'not_connected', c[1] or 'unknown', ''} end
if not is_deferred(kind_of(sid)) then return {'not_deferred', '', ''} end
local aid = c[2] or ''
if aid ~= '' and redis.call('HGET', akey(aid), 'call') == sid then
  start_wrap_up(aid, now, ARGV[4])
  journal('end ' .. aid .. ' ' .. sid, ARGV[6])
end
redis.call('HSET', ckey(sid), 'not_before', ARGV[5], 'accepted_at', '')
requeue(sid, redis.call('HGET', ckey(sid), 'score'), now)
return {'ok', 'waiting', aid}
"""

# ARGV: prefix, agent_id, sid, now, limit
# "Call back now": an agent who is not busy takes one waiting callback directly,
# whatever its place in line or not-before time.
TAKE = r"""
local aid, sid, now = ARGV[2], ARGV[3], ARGV[4]
local astate = redis.call('HGET', akey(aid), 'state') or 'offline'
if astate ~= 'available' and astate ~= 'break' and astate ~= 'wrap_up' then
  return {'agent_busy', astate}
end
local c = redis.call('HMGET', ckey(sid), 'state', 'skill')
if c[1] ~= 'waiting' or kind_of(sid) ~= 'callback' then
  return {'call_not_waiting', c[1] or 'unknown'}
end
unqueue(sid, 'callback', c[2])
leave_available_sets(aid)
redis.call('ZREM', p .. 'wrapups', aid)
set_state(aid, 'on_call', '', now)
redis.call('HSET', akey(aid), 'call', sid, 'deadline', '', 'offer_kind', '')
redis.call('HSET', ckey(sid), 'state', 'connected', 'agent', aid, 'accepted_at', now)
journal('reserve ' .. aid .. ' ' .. sid, ARGV[5])
journal('accept ' .. aid .. ' ' .. sid, ARGV[5])
return {'ok', astate}
"""

# ARGV: prefix, sid, not_before, now
# Deferred work waiting in line gets (or loses) a not-before time.
DEFER = r"""
local sid = ARGV[2]
local c = redis.call('HMGET', ckey(sid), 'state', 'skill')
local kind = kind_of(sid)
if c[1] ~= 'waiting' or not is_deferred(kind) then return {'not_waiting', c[1] or 'unknown'} end
unqueue(sid, kind, c[2])
redis.call('HSET', ckey(sid), 'not_before', ARGV[3])
requeue(sid, redis.call('HGET', ckey(sid), 'score'), ARGV[4])
return {'ok', c[2]}
"""

# ARGV: prefix, now, max → {skill...}: deferred work whose not-before time has come
# joins its queue.
PROMOTE = r"""
local due = redis.call('ZRANGEBYSCORE', p .. 'later', '-inf', ARGV[2], 'LIMIT', 0,
                       tonumber(ARGV[3]))
local skills = {}
for _, sid in ipairs(due) do
  redis.call('ZREM', p .. 'later', sid)
  local c = redis.call('HMGET', ckey(sid), 'state', 'skill', 'score')
  if c[1] == 'waiting' then
    redis.call('ZADD', queue_key(kind_of(sid), c[2]), c[3], sid)
    skills[#skills + 1] = c[2]
  end
end
return skills
"""

# ARGV: prefix, skill... : the serving sets and the available-set sizes rebuilt from
# agents' states (once, for routing state written before they existed).
REBUILD_SERVING = r"""
for i = 2, #ARGV do
  for _, aid in ipairs(redis.call('SMEMBERS', p .. 'online:' .. ARGV[i])) do
    if SERVING[redis.call('HGET', akey(aid), 'state') or 'offline'] then
      redis.call('SADD', p .. 'serving:' .. ARGV[i], aid)
    end
  end
  for level = 1, 5 do
    local field = ARGV[i] .. ':' .. level
    redis.call('HSET', p .. 'availn', field, redis.call('ZCARD', p .. 'avail:' .. field))
  end
end
redis.call('SET', p .. 'serving-built', '1')
return {'ok'}
"""

# Reads, as scripts only to make them one round trip (they commit nothing).

# ARGV: prefix, class_span, agent_id, dialects ("my=shn,kac,ksw,mnw;...")
# → {state, skills, idle_since, available, "queue sid score kind"...}: the agent; the
# first call of each priority class in every live queue the agent can serve, and the
# first deferred work of each; and, when there is more than one to choose from, the
# available agents per level of every skill that bears on those queues
# ("km:0,0,1,0,2;th:..."), for scarcity.
PEEK_AGENT = r"""
local span, aid = tonumber(ARGV[2]), ARGV[3]
local a = redis.call('HMGET', akey(aid), 'state', 'skills', 'idle_since')
local out = {a[1] or 'offline', a[2] or '', a[3] or '0', ''}
if a[1] ~= 'available' then return out end
local dialects, parent_of = {}, {}
for parent, list in string.gmatch(ARGV[4], '([^=;]+)=([^;]*)') do
  dialects[parent] = list
  for d in string.gmatch(list, '[^,]+') do parent_of[d] = parent end
end
local queues, seen = {}, {}
local function add_queue(q)
  if not seen[q] then seen[q] = true; queues[#queues + 1] = q end
end
for _, s in ipairs(skills_of(aid)) do
  add_queue(s[1])
  for d in string.gmatch(dialects[s[1]] or '', '[^,]+') do add_queue(d) end
end
local function head(key, c)
  return redis.call('ZRANGEBYSCORE', key, c * span, '(' .. ((c + 1) * span),
                    'WITHSCORES', 'LIMIT', 0, 1)
end
local with_heads = {}
for _, q in ipairs(queues) do
  local found = false
  -- The queue's first call, then the first of each later class (one read when the
  -- queue is empty or all of one class, as it mostly is).
  local key = p .. 'q:' .. q
  local r = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
  if r[1] then
    found = true
    out[#out + 1] = q .. ' ' .. r[1] .. ' ' .. r[2] .. ' call'
    for c = math.floor(tonumber(r[2]) / span) + 1, 2 do
      r = head(key, c)
      if r[1] then out[#out + 1] = q .. ' ' .. r[1] .. ' ' .. r[2] .. ' call' end
    end
  end
  -- Deferred work: only its first (urgent, else oldest). One read, not one per class:
  -- an urgent newer one this agent cannot take yet holds the rest back from them only
  -- until it too has waited past the widening.
  r = redis.call('ZRANGE', p .. 'dq:' .. q, 0, 0, 'WITHSCORES')
  if r[1] then
    out[#out + 1] = q .. ' ' .. r[1] .. ' ' .. r[2] .. ' ' .. kind_of(r[1])
    found = true
  end
  if found then with_heads[#with_heads + 1] = q end
end
if #out <= 5 then return out end   -- one call or none: nothing to weigh
local skills, fields, counted = {}, {}, {}
local function count(skill)
  if counted[skill] then return end
  counted[skill] = true
  skills[#skills + 1] = skill
  for level = 1, 5 do fields[#fields + 1] = skill .. ':' .. level end
end
for _, q in ipairs(with_heads) do
  count(q)
  if parent_of[q] then count(parent_of[q]) end
end
local n = redis.call('HMGET', p .. 'availn', unpack(fields))
local counts = {}
for i, skill in ipairs(skills) do
  local levels = {}
  for level = 1, 5 do levels[level] = n[(i - 1) * 5 + level] or '0' end
  counts[i] = skill .. ':' .. table.concat(levels, ',')
end
out[4] = table.concat(counts, ';')
return out
"""

# ARGV: prefix, skill... → {[skill, level, agent_id, idle_since]...}: the longest-idle
# available agent at each proficiency for each skill.
PEEK_AGENTS = r"""
local out = {}
for i = 2, #ARGV do
  for level = 1, 5 do
    local r = redis.call('ZRANGE', p .. 'avail:' .. ARGV[i] .. ':' .. level, 0, 0, 'WITHSCORES')
    if r[1] then
      out[#out + 1] = ARGV[i]; out[#out + 1] = tostring(level)
      out[#out + 1] = r[1]; out[#out + 1] = r[2]
    end
  end
end
return out
"""

# ARGV: prefix, max → {[agent_id, skills, idle_since]...}: agents being offered deferred
# work (the only offers a live caller may take over).
PEEK_HOLDERS = r"""
local out = {}
for _, aid in ipairs(redis.call('ZRANGE', p .. 'doffers', 0, tonumber(ARGV[2]) - 1)) do
  local a = redis.call('HMGET', akey(aid), 'skills', 'idle_since')
  out[#out + 1] = aid; out[#out + 1] = a[1] or ''; out[#out + 1] = a[2] or '0'
end
return out
"""

SCRIPTS = {
    "peek_agent": PEEK_AGENT,
    "peek_agents": PEEK_AGENTS,
    "peek_holders": PEEK_HOLDERS,
    "join": JOIN,
    "reserve": RESERVE,
    "preempt": PREEMPT,
    "accept": ACCEPT,
    "release": RELEASE,
    "presence": PRESENCE,
    "leave": LEAVE,
    "bridge_failed": BRIDGE_FAILED,
    "transfer": TRANSFER,
    "interpreter": INTERPRETER,
    "accept_interpreter": ACCEPT_INTERPRETER,
    "retry": RETRY,
    "take": TAKE,
    "defer": DEFER,
    "promote": PROMOTE,
    "rebuild_serving": REBUILD_SERVING,
}
