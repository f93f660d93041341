-- ARGV: prefix, skill... → {[skill, level, agent_id, idle_since]...}: the longest-idle
-- available agent at each proficiency for each skill.
local out = {}
for i = 2, #ARGV do
  for level = 1, 5 do
    local r = redis.call('ZRANGE', p .. 'avail:' .. ARGV[i] .. ':' .. level, 0, 0, 'WITHSCORES')
    if r[1] then
      out[#out + 1] = ARGV[i]; out[#out + 1] = tostring(level)
      out[#out + 1] = r[1]; out[#out + 1] = r[2]
    end
  end
end
return out
