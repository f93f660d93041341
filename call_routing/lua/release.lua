-- ARGV: prefix, agent_id, sid, now, why ('declined' / 'missed'), limit
-- 'missed' only when the deadline has passed: an accept that won the race stands.
local aid, sid, now, why = ARGV[2], ARGV[3], ARGV[4], ARGV[5]
local a = redis.call('HMGET', akey(aid), 'state', 'call', 'deadline')
if a[1] ~= 'reserved' or a[2] ~= sid then return {'no_offer', a[1] or 'unknown'} end
if why == 'missed' and tonumber(a[3]) > tonumber(now) then return {'not_due', a[3]} end
release_offer(aid, sid, why, now, ARGV[6])
return {'ok', 'break'}
