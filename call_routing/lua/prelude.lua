-- Shared by every script: key names, agent, queue and offer helpers.
-- ARGV[1] is always the key prefix, so tests and benchmarks can isolate state.
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

-- An idle agent (not reserved, not talking) put in a presence state, by themselves or
-- by a supervisor: out of every set first, new skills if given, then into the state.
local function put_in_state(aid, target, reason, now, previous, skills)
  leave_available_sets(aid)
  set_online(aid, false)
  set_serving(aid, false)
  if skills ~= '' then redis.call('HSET', akey(aid), 'skills', skills) end
  redis.call('ZREM', p .. 'wrapups', aid)
  if target == 'available' then
    become_available(aid, now, previous == 'available')
  else
    set_state(aid, target, reason, now)
  end
  if target ~= 'offline' then set_online(aid, true) end
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

-- A reassigned item (a supervisor named its agent) waits out of its queue, in
-- directed:<agent> (by its own score) and in `directed` (by when the wait for that
-- agent ends). Offering it clears the direction: a miss or a decline sends it back to
-- ordinary routing, and it is never held for a preempting live caller (no doffers).
local function offer_directed(aid, sid, now, deadline, limit)
  local c = redis.call('HMGET', ckey(sid), 'skill', 'directed')
  if c[2] and c[2] ~= '' then redis.call('ZREM', p .. 'directed:' .. c[2], sid) end
  redis.call('ZREM', p .. 'directed', sid)
  unqueue(sid, kind_of(sid), c[1])
  become_busy(aid, 'reserved', '', now)
  redis.call('HSET', akey(aid), 'call', sid, 'deadline', deadline, 'offer_kind', '')
  redis.call('HSET', ckey(sid), 'state', 'reserved', 'agent', aid, 'directed', '',
             'directed_until', '')
  redis.call('ZADD', p .. 'reservations', deadline, aid)
  journal('reserve ' .. aid .. ' ' .. sid, limit)
  return c[1]
end
