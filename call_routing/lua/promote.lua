-- ARGV: prefix, now, max → {skill...}: deferred work whose not-before time has come
-- joins its queue.
local due = redis.call('ZRANGEBYSCORE', p .. 'later', '-inf', ARGV[2], 'LIMIT', 0,
                       tonumber(ARGV[3]))
local skills = {}
for _, sid in ipairs(due) do
  redis.call('ZREM', p .. 'later', sid)
  local c = redis.call('HMGET', ckey(sid), 'state', 'skill', 'score')
  if c[1] == 'waiting' then
    redis.call('ZADD', queue_key(kind_of(sid), c[2]), c[3], sid)
    skills[#skills + 1] = c[2]
  end
end
return skills
