-- ARGV: prefix, now, batch, limit
-- Reassigned work whose wait for its agent is over goes back to ordinary routing,
-- under its own score (its place in line); and the agents who are available while
-- work waits for them are named, so the engine offers it (a race can leave one so).
-- → {n, sid, skill, agent (n times)..., available agent...}
local now, batch = ARGV[2], tonumber(ARGV[3])
local returned, agents, seen = {}, {}, {}
for _, sid in ipairs(redis.call('ZRANGEBYSCORE', p .. 'directed', '-inf', now,
                                'LIMIT', 0, batch)) do
  redis.call('ZREM', p .. 'directed', sid)
  local c = redis.call('HMGET', ckey(sid), 'state', 'directed', 'score', 'skill')
  if c[2] and c[2] ~= '' then
    redis.call('ZREM', p .. 'directed:' .. c[2], sid)
    redis.call('HSET', ckey(sid), 'directed', '', 'directed_until', '')
    if c[1] == 'waiting' then
      requeue(sid, c[3], now)
      journal('undirect ' .. c[2] .. ' ' .. sid, ARGV[4])
      returned[#returned + 1] = sid
      returned[#returned + 1] = c[4]
      returned[#returned + 1] = c[2]
    end
  end
end
for _, sid in ipairs(redis.call('ZRANGE', p .. 'directed', 0, batch - 1)) do
  local aid = redis.call('HGET', ckey(sid), 'directed')
  if aid and aid ~= '' and not seen[aid] then
    seen[aid] = true
    if redis.call('HGET', akey(aid), 'state') == 'available' then agents[#agents + 1] = aid end
  elseif not aid or aid == '' then
    redis.call('ZREM', p .. 'directed', sid)
  end
end
local out = {tostring(#returned / 3)}
for _, v in ipairs(returned) do out[#out + 1] = v end
for _, v in ipairs(agents) do out[#out + 1] = v end
return out
