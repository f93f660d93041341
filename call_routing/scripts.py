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

local function leave_available_sets(aid)
  for _, s in ipairs(skills_of(aid)) do
    redis.call('ZREM', p .. 'avail:' .. s[1] .. ':' .. s[2], aid)
  end
end

local function join_available_sets(aid, idle_since)
  for _, s in ipairs(skills_of(aid)) do
    redis.call('ZADD', p .. 'avail:' .. s[1] .. ':' .. s[2], idle_since, aid)
  end
end

local function set_online(aid, online)
  for _, s in ipairs(skills_of(aid)) do
    if online then redis.call('SADD', p .. 'online:' .. s[1], aid)
    else redis.call('SREM', p .. 'online:' .. s[1], aid) end
  end
end

local function set_state(aid, state, reason, now)
  redis.call('HSET', akey(aid), 'state', state, 'reason', reason or '', 'since', now)
end

local function journal(entry, limit)
  local key = p .. 'journal'
  redis.call('RPUSH', key, entry)
  if tonumber(limit) > 0 then redis.call('LTRIM', key, -tonumber(limit), -1) end
end

local function become_available(aid, now, keep_idle)
  local idle = now
  if keep_idle then idle = redis.call('HGET', akey(aid), 'idle_since') or now end
  set_state(aid, 'available', '', now)
  redis.call('HSET', akey(aid), 'idle_since', idle, 'call', '', 'deadline', '')
  join_available_sets(aid, idle)
end

local function become_busy(aid, state, reason, now)
  leave_available_sets(aid)
  set_state(aid, state, reason, now)
end

local function requeue(sid, score)
  local skill = redis.call('HGET', ckey(sid), 'skill')
  redis.call('HSET', ckey(sid), 'state', 'waiting', 'agent', '', 'score', score)
  redis.call('ZADD', p .. 'q:' .. skill, score, sid)
end

local function stat(day, skill, field, by)
  local key = p .. 'stats:' .. day .. ':' .. skill
  redis.call('HINCRBYFLOAT', key, field, by)
  redis.call('EXPIRE', key, 8 * 86400)
end

local function start_wrap_up(aid, now, wrap_until)
  set_state(aid, 'wrap_up', '', now)
  redis.call('HSET', akey(aid), 'call', '', 'deadline', '', 'wrap_until', wrap_until)
  redis.call('ZADD', p .. 'wrapups', wrap_until, aid)
end

-- The offer lapses (why 'missed') or is turned down ('declined'): a break for the
-- agent, and the caller keeps their place, back under the score they had.
local function release_offer(aid, sid, why, now, limit)
  redis.call('ZREM', p .. 'reservations', aid)
  set_state(aid, 'break', why, now)
  redis.call('HSET', akey(aid), 'call', '', 'deadline', '')
  requeue(sid, redis.call('HGET', ckey(sid), 'score'))
  journal('release ' .. aid .. ' ' .. sid .. ' ' .. why, limit)
end

local function finish_call(sid, reason, now)
  redis.call('HSET', ckey(sid), 'state', 'ended', 'ended_reason', reason, 'ended_at', now)
  redis.call('EXPIRE', ckey(sid), 86400)
end
"""

# ARGV: prefix, sid, language, dialect, skill, now, score, urgent, callback, day, limit
JOIN = r"""
local sid, now = ARGV[2], ARGV[6]
local k = ckey(sid)
local state = redis.call('HGET', k, 'state')
if state and state ~= 'ended' then return {'exists', state} end
if state == 'ended' then
  local why = redis.call('HGET', k, 'ended_reason')
  -- a caller who hung up or was answered never comes back; one sent to the
  -- voicemail offer may choose to keep waiting
  if why ~= 'voicemail' and why ~= 'callback' and why ~= 'max_wait' and why ~= 'no_agents' then
    return {'ended', why}
  end
  redis.call('PERSIST', k)
end
redis.call('HSET', k, 'language', ARGV[3], 'dialect', ARGV[4], 'skill', ARGV[5],
  'joined_at', now, 'urgent', ARGV[8], 'callback', ARGV[9], 'agent', '', 'ended_reason', '')
if redis.call('HSETNX', k, 'first_joined_at', now) == 1 then
  stat(ARGV[10], ARGV[5], 'offered', 1)
end
requeue(sid, ARGV[7])
journal('join ' .. sid, ARGV[11])
return {'ok', 'waiting'}
"""

# ARGV: prefix, agent_id, sid, now, deadline, limit
RESERVE = r"""
local aid, sid, now = ARGV[2], ARGV[3], ARGV[4]
local astate = redis.call('HGET', akey(aid), 'state')
if astate ~= 'available' then return {'agent_not_available', astate or 'unknown'} end
local cstate = redis.call('HGET', ckey(sid), 'state')
if cstate ~= 'waiting' then return {'call_not_waiting', cstate or 'unknown'} end
local skill = redis.call('HGET', ckey(sid), 'skill')
redis.call('ZREM', p .. 'q:' .. skill, sid)
become_busy(aid, 'reserved', '', now)
redis.call('HSET', akey(aid), 'call', sid, 'deadline', ARGV[5])
redis.call('HSET', ckey(sid), 'state', 'reserved', 'agent', aid)
redis.call('ZADD', p .. 'reservations', ARGV[5], aid)
journal('reserve ' .. aid .. ' ' .. sid, ARGV[6])
return {'ok', skill}
"""

# ARGV: prefix, agent_id, sid, now, day, sl_seconds, limit
# An accept at or after the offer's deadline is refused and the offer lapses there and
# then ('expired'), so a late click never wins, however late the sweep runs.
ACCEPT = r"""
local aid, sid, now = ARGV[2], ARGV[3], tonumber(ARGV[4])
local a = redis.call('HMGET', akey(aid), 'state', 'call', 'deadline')
if a[1] ~= 'reserved' or a[2] ~= sid then return {'no_offer', a[1] or 'unknown'} end
local c = redis.call('HMGET', ckey(sid), 'state', 'skill', 'first_joined_at', 'counted')
if c[1] ~= 'reserved' then return {'call_gone', c[1] or 'unknown'} end
if a[3] and a[3] ~= '' and tonumber(a[3]) <= now then
  release_offer(aid, sid, 'missed', now, ARGV[7])
  return {'expired', a[3]}
end
redis.call('ZREM', p .. 'reservations', aid)
set_state(aid, 'on_call', '', now)
redis.call('HSET', akey(aid), 'deadline', '')
redis.call('HSET', ckey(sid), 'state', 'connected', 'accepted_at', now)
local waited = now - tonumber(c[3])
if c[4] ~= '1' then
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
# Ends a call wherever it is: waiting, offered, or talking (then agents wrap up).
# 'gone' is a caller found to have hung up whose status callback never came.
LEAVE = r"""
local sid, now, reason = ARGV[2], tonumber(ARGV[3]), ARGV[4]
local c = redis.call('HMGET', ckey(sid), 'state', 'skill', 'agent', 'joined_at', 'interpreter',
                     'counted')
local state = c[1]
if not state or state == 'ended' then return {'absent', state or 'unknown', ''} end
if ARGV[9] == '1' and state ~= 'waiting' and state ~= 'reserved' then
  return {'absent', state, ''}
end
local aid = c[3] or ''
if state == 'waiting' or state == 'reserved' then
  redis.call('ZREM', p .. 'q:' .. c[2], sid)
  if state == 'reserved' then
    -- the agent was never told anything useful: straight back, keeping their turn
    redis.call('ZREM', p .. 'reservations', aid)
    become_available(aid, now, true)
    journal('release ' .. aid .. ' ' .. sid .. ' cancelled', ARGV[8])
  end
  local waited = now - tonumber(c[4])
  if c[6] == '1' then
    -- answered once already (then transferred): not an abandoned call
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
end
finish_call(sid, reason, now)
journal('leave ' .. sid .. ' ' .. reason, ARGV[8])
return {'ok', state, aid}
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
                     'accepted_at', 'counted_by', 'interpreter', 'joined_at')
if c[1] ~= 'connected' then return {'not_connected', c[1] or 'unknown', ''} end
if c[7] and c[7] ~= '' then return {'in_conference', c[7], ''} end
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
requeue(sid, ARGV[5])
return {'ok', 'waiting', aid}
"""

# ARGV: prefix, sid, now, wrap_until, mode ('queue' / 'agent'), target, score, deadline, limit
# Cold transfer: the first agent wraps up; the caller goes to the front of another
# language queue, or is offered straight to a named agent who is available.
TRANSFER = r"""
local sid, now, mode, target = ARGV[2], ARGV[3], ARGV[5], ARGV[6]
local c = redis.call('HMGET', ckey(sid), 'state', 'agent', 'interpreter')
if c[1] ~= 'connected' then return {'not_connected', c[1] or 'unknown'} end
if c[3] and c[3] ~= '' then return {'in_conference', c[3]} end
if mode == 'agent' then
  if target == c[2] then return {'same_agent', target} end
  local tstate = redis.call('HGET', akey(target), 'state')
  if tstate ~= 'available' then return {'agent_not_available', tstate or 'offline'} end
end
local from = c[2]
start_wrap_up(from, now, ARGV[4])
journal('end ' .. from .. ' ' .. sid, ARGV[9])
redis.call('HSET', ckey(sid), 'counted', '1')
if mode == 'queue' then
  redis.call('HSET', ckey(sid), 'skill', target, 'joined_at', now)
  requeue(sid, ARGV[7])
  return {'ok', 'waiting'}
end
redis.call('HSET', ckey(sid), 'score', ARGV[7])
become_busy(target, 'reserved', '', now)
redis.call('HSET', akey(target), 'call', sid, 'deadline', ARGV[8])
redis.call('HSET', ckey(sid), 'state', 'reserved', 'agent', target)
redis.call('ZADD', p .. 'reservations', ARGV[8], target)
journal('reserve ' .. target .. ' ' .. sid, ARGV[9])
return {'ok', 'reserved'}
"""

# ARGV: prefix, sid, interpreter_agent_id, now, limit
INTERPRETER = r"""
local sid, aid, now = ARGV[2], ARGV[3], ARGV[4]
local c = redis.call('HMGET', ckey(sid), 'state', 'agent', 'interpreter')
if c[1] ~= 'connected' then return {'not_connected', c[1] or 'unknown'} end
if c[3] and c[3] ~= '' then return {'in_conference', c[3]} end
if aid == c[2] then return {'same_agent', aid} end
local astate = redis.call('HGET', akey(aid), 'state')
if astate ~= 'available' then return {'agent_not_available', astate or 'offline'} end
become_busy(aid, 'on_call', 'interpreter', now)
redis.call('HSET', akey(aid), 'call', sid)
redis.call('HSET', ckey(sid), 'interpreter', aid)
journal('interpret ' .. aid .. ' ' .. sid, ARGV[5])
return {'ok', c[2]}
"""

# Reads, as scripts only to make them one round trip (they commit nothing).

# ARGV: prefix, class_span, agent_id, dialects ("my=shn,kac,ksw,mnw;...")
# → {state, skills, idle_since, [queue, sid, score]...}: the agent, and the first
# call of each priority class in every queue the agent can serve.
PEEK_AGENT = r"""
local span, aid = tonumber(ARGV[2]), ARGV[3]
local a = redis.call('HMGET', akey(aid), 'state', 'skills', 'idle_since')
local out = {a[1] or 'offline', a[2] or '', a[3] or '0'}
if a[1] ~= 'available' then return out end
local dialects = {}
for parent, list in string.gmatch(ARGV[4], '([^=;]+)=([^;]*)') do dialects[parent] = list end
local queues = {}
for _, s in ipairs(skills_of(aid)) do
  queues[#queues + 1] = s[1]
  for d in string.gmatch(dialects[s[1]] or '', '[^,]+') do queues[#queues + 1] = d end
end
for _, q in ipairs(queues) do
  for c = 0, 2 do
    local r = redis.call('ZRANGEBYSCORE', p .. 'q:' .. q, c * span, '(' .. ((c + 1) * span),
                         'WITHSCORES', 'LIMIT', 0, 1)
    if r[1] then out[#out + 1] = q; out[#out + 1] = r[1]; out[#out + 1] = r[2] end
  end
end
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

SCRIPTS = {
    "peek_agent": PEEK_AGENT,
    "peek_agents": PEEK_AGENTS,
    "join": JOIN,
    "reserve": RESERVE,
    "accept": ACCEPT,
    "release": RELEASE,
    "presence": PRESENCE,
    "leave": LEAVE,
    "bridge_failed": BRIDGE_FAILED,
    "transfer": TRANSFER,
    "interpreter": INTERPRETER,
}
