-- ARGV: prefix, sid, now, wrap_until, not_before, limit
-- A callback attempt that did not reach the caller: the agent wraps up, and the request
-- goes back to its place in line, offered again from `not_before`.
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
