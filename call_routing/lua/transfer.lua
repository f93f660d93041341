-- ARGV: prefix, sid, now, wrap_until, mode ('queue' / 'agent'), target, score, deadline, limit
-- Cold transfer: the first agent wraps up; the caller goes to the front of another
-- language queue, or is offered straight to a named agent who is available. Either
-- way the next offer of this call says it is a transfer.
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
