-- ARGV: prefix, agent_id, live sid, now, deadline, limit
-- A live caller nobody available can take claims an agent who is only being offered
-- deferred work: that work goes back under its own score, the caller is offered.
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
