-- ARGV: prefix, skill... : the serving sets and the available-set sizes rebuilt from
-- agents' states (once, for routing state written before they existed).
for i = 2, #ARGV do
  for _, aid in ipairs(redis.call('SMEMBERS', p .. 'online:' .. ARGV[i])) do
    if SERVING[redis.call('HGET', akey(aid), 'state') or 'offline'] then
      redis.call('SADD', p .. 'serving:' .. ARGV[i], aid)
    end
  end
  for level = 1, 5 do
    local field = ARGV[i] .. ':' .. level
    redis.call('HSET', p .. 'availn', field, redis.call('ZCARD', p .. 'avail:' .. field))
  end
end
redis.call('SET', p .. 'serving-built', '1')
return {'ok'}
