-- ARGV: prefix, sid, language, dialect, skill, now, score, urgent, kind, day, limit,
--       not_before ('' = none), class_span, deferred_class, joined_at (when the work
--       arose: a voicemail's recording time)
-- A live call already queued that asks for a callback becomes one and keeps its place
-- (its first arrival time); an offer of it to an agent is withdrawn.
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
