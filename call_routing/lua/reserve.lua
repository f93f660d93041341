-- ARGV: prefix, agent_id, sid, now, deadline, limit
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
