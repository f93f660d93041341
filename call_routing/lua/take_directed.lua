-- ARGV: prefix, agent_id, now, deadline, limit
-- An available agent is offered the first item reassigned to them that still waits;
-- entries whose work moved on (answered elsewhere, hung up, returned) are dropped.
-- → {'ok', sid, skill} / {'none', ''} / {'agent_not_available', state}
local aid, now = ARGV[2], ARGV[3]
local state = redis.call('HGET', akey(aid), 'state') or 'offline'
if state ~= 'available' then return {'agent_not_available', state} end
for _, sid in ipairs(redis.call('ZRANGE', p .. 'directed:' .. aid, 0, -1)) do
  local c = redis.call('HMGET', ckey(sid), 'state', 'directed')
  if c[1] == 'waiting' and c[2] == aid then
    return {'ok', sid, offer_directed(aid, sid, now, ARGV[4], ARGV[5])}
  end
  redis.call('ZREM', p .. 'directed:' .. aid, sid)
end
return {'none', ''}
