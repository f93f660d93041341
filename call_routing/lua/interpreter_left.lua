-- ARGV: prefix, sid, interpreter_agent_id, now, wrap_until, limit
-- The interpreter's own call ended (they hung up, or their phone never answered)
-- while the call goes on: they are no longer in it — the call keeps no interpreter
-- and they wrap up, so what they could read while interpreting closes at once.
local sid, aid, now = ARGV[2], ARGV[3], tonumber(ARGV[4])
local c = redis.call('HMGET', ckey(sid), 'state', 'interpreter')
if c[1] ~= 'connected' or c[2] ~= aid then return {'absent', c[1] or 'unknown'} end
redis.call('HSET', ckey(sid), 'interpreter', '')
if redis.call('HGET', akey(aid), 'call') == sid then
  start_wrap_up(aid, now, ARGV[5])
  journal('end ' .. aid .. ' ' .. sid, ARGV[6])
end
return {'ok', ''}
