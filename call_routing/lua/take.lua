-- ARGV: prefix, agent_id, sid, now, limit
-- "Call back now": an agent who is not busy takes one waiting callback directly,
-- whatever its place in line or not-before time.
local aid, sid, now = ARGV[2], ARGV[3], ARGV[4]
local astate = redis.call('HGET', akey(aid), 'state') or 'offline'
if astate ~= 'available' and astate ~= 'break' and astate ~= 'wrap_up' then
  return {'agent_busy', astate}
end
local c = redis.call('HMGET', ckey(sid), 'state', 'skill')
if c[1] ~= 'waiting' or kind_of(sid) ~= 'callback' then
  return {'call_not_waiting', c[1] or 'unknown'}
end
unqueue(sid, 'callback', c[2])
leave_available_sets(aid)
redis.call('ZREM', p .. 'wrapups', aid)
set_state(aid, 'on_call', '', now)
redis.call('HSET', akey(aid), 'call', sid, 'deadline', '', 'offer_kind', '')
redis.call('HSET', ckey(sid), 'state', 'connected', 'agent', aid, 'accepted_at', now)
journal('reserve ' .. aid .. ' ' .. sid, ARGV[5])
journal('accept ' .. aid .. ' ' .. sid, ARGV[5])
return {'ok', astate}
