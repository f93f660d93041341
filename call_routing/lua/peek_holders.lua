-- ARGV: prefix, max → {[agent_id, skills, idle_since]...}: agents being offered deferred
-- work (the only offers a live caller may take over).
local out = {}
for _, aid in ipairs(redis.call('ZRANGE', p .. 'doffers', 0, tonumber(ARGV[2]) - 1)) do
  local a = redis.call('HMGET', akey(aid), 'skills', 'idle_since')
  out[#out + 1] = aid; out[#out + 1] = a[1] or ''; out[#out + 1] = a[2] or '0'
end
return out
