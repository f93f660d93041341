-- ARGV: prefix, sid, interpreter_agent_id, now, deadline, limit
-- The interpreter is offered the call (reserved, with a deadline like any offer); they
-- join it only when they accept (ACCEPT_INTERPRETER).
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
