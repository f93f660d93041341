-- ARGV: prefix, sid, not_before, now
-- Deferred work waiting in line gets (or loses) a not-before time.
local sid = ARGV[2]
local c = redis.call('HMGET', ckey(sid), 'state', 'skill')
local kind = kind_of(sid)
if c[1] ~= 'waiting' or not is_deferred(kind) then return {'not_waiting', c[1] or 'unknown'} end
unqueue(sid, kind, c[2])
redis.call('HSET', ckey(sid), 'not_before', ARGV[3])
requeue(sid, redis.call('HGET', ckey(sid), 'score'), ARGV[4])
return {'ok', c[2]}
