-- ARGV: prefix, class_span, agent_id, dialects ("my=shn,kac,ksw,mnw;...")
-- → {state, skills, idle_since, available, "queue sid score kind"...}: the agent; the
-- first call of each priority class in every live queue the agent can serve, and the
-- first deferred work of each; and, when there is more than one to choose from, the
-- available agents per level of every skill that bears on those queues
-- ("km:0,0,1,0,2;th:..."), for scarcity.
local span, aid = tonumber(ARGV[2]), ARGV[3]
local a = redis.call('HMGET', akey(aid), 'state', 'skills', 'idle_since')
local out = {a[1] or 'offline', a[2] or '', a[3] or '0', ''}
if a[1] ~= 'available' then return out end
-- Work a supervisor reassigned to this agent comes first (take_directed offers it).
if redis.call('EXISTS', p .. 'directed:' .. aid) == 1 then out[1] = 'directed'; return out end
local dialects, parent_of = {}, {}
for parent, list in string.gmatch(ARGV[4], '([^=;]+)=([^;]*)') do
  dialects[parent] = list
  for d in string.gmatch(list, '[^,]+') do parent_of[d] = parent end
end
local queues, seen = {}, {}
local function add_queue(q)
  if not seen[q] then seen[q] = true; queues[#queues + 1] = q end
end
for _, s in ipairs(skills_of(aid)) do
  add_queue(s[1])
  for d in string.gmatch(dialects[s[1]] or '', '[^,]+') do add_queue(d) end
end
local function head(key, c)
  return redis.call('ZRANGEBYSCORE', key, c * span, '(' .. ((c + 1) * span),
                    'WITHSCORES', 'LIMIT', 0, 1)
end
local with_heads = {}
for _, q in ipairs(queues) do
  local found = false
  -- The queue's first call, then the first of each later class (one read when the
  -- queue is empty or all of one class, as it mostly is).
  local key = p .. 'q:' .. q
  local r = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
  if r[1] then
    found = true
    out[#out + 1] = q .. ' ' .. r[1] .. ' ' .. r[2] .. ' call'
    for c = math.floor(tonumber(r[2]) / span) + 1, 2 do
      r = head(key, c)
      if r[1] then out[#out + 1] = q .. ' ' .. r[1] .. ' ' .. r[2] .. ' call' end
    end
  end
  -- Deferred work: only its first (urgent, else oldest). One read, not one per class:
  -- an urgent newer one this agent cannot take yet holds the rest back from them only
  -- until it too has waited past the widening.
  r = redis.call('ZRANGE', p .. 'dq:' .. q, 0, 0, 'WITHSCORES')
  if r[1] then
    out[#out + 1] = q .. ' ' .. r[1] .. ' ' .. r[2] .. ' ' .. kind_of(r[1])
    found = true
  end
  if found then with_heads[#with_heads + 1] = q end
end
if #out <= 5 then return out end   -- one call or none: nothing to weigh
local skills, fields, counted = {}, {}, {}
local function count(skill)
  if counted[skill] then return end
  counted[skill] = true
  skills[#skills + 1] = skill
  for level = 1, 5 do fields[#fields + 1] = skill .. ':' .. level end
end
for _, q in ipairs(with_heads) do
  count(q)
  if parent_of[q] then count(parent_of[q]) end
end
local n = redis.call('HMGET', p .. 'availn', unpack(fields))
local counts = {}
for i, skill in ipairs(skills) do
  local levels = {}
  for level = 1, 5 do levels[level] = n[(i - 1) * 5 + level] or '0' end
  counts[i] = skill .. ':' .. table.concat(levels, ',')
end
out[4] = table.concat(counts, ';')
return out
