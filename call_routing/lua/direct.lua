-- ARGV: prefix, sid, agent_id, until, now, deadline, limit
-- A supervisor reassigns waiting work (a live caller, a callback, a voicemail) to a
-- named agent: its next offer is theirs. Offered to someone else right now, that offer
-- is withdrawn (the agent keeps their turn). An available agent is offered it at once;
-- a busy one (reserved, on a call, wrapping up, on a break) is waited for until
-- `until`, when it goes back to its queue under its own score. Not for an offline agent.
-- → {'offered', skill, withdrawn agent or ''} / {'waiting', skill, withdrawn agent or ''}
local sid, aid, now = ARGV[2], ARGV[3], ARGV[5]
local c = redis.call('HMGET', ckey(sid), 'state', 'skill', 'agent', 'score', 'directed')
if c[1] ~= 'waiting' and c[1] ~= 'reserved' then
  return {'call_not_waiting', c[1] or 'unknown', ''}
end
if c[1] == 'reserved' and c[3] == aid then return {'already_offered', aid, ''} end
local astate = redis.call('HGET', akey(aid), 'state') or 'offline'
if astate == 'offline' then return {'agent_not_available', astate, ''} end
local withdrawn = ''
if c[1] == 'reserved' then
  if c[3] and c[3] ~= '' then
    cancel_offer(c[3], sid, ARGV[7], now)
    withdrawn = c[3]
  end
else
  unqueue(sid, kind_of(sid), c[2])
end
if c[5] and c[5] ~= '' then redis.call('ZREM', p .. 'directed:' .. c[5], sid) end
redis.call('HSET', ckey(sid), 'state', 'waiting', 'agent', '', 'directed', aid,
           'directed_until', ARGV[4])
redis.call('ZADD', p .. 'directed:' .. aid, c[4], sid)
redis.call('ZADD', p .. 'directed', ARGV[4], sid)
journal('direct ' .. aid .. ' ' .. sid, ARGV[7])
if astate == 'available' then
  offer_directed(aid, sid, now, ARGV[6], ARGV[7])
  return {'offered', c[2], withdrawn}
end
return {'waiting', c[2], withdrawn}
