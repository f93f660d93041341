-- ARGV: prefix, agent_id, sid, now, limit
local aid, sid, now = ARGV[2], ARGV[3], tonumber(ARGV[4])
local a = redis.call('HMGET', akey(aid), 'state', 'call', 'deadline', 'offer_kind')
if a[1] ~= 'reserved' or a[2] ~= sid or a[4] ~= 'interpreter' then
  return {'no_offer', a[1] or 'unknown', ''}
end
local c = redis.call('HMGET', ckey(sid), 'state', 'interpreter_offer', 'agent')
if c[1] ~= 'connected' or c[2] ~= aid then return {'call_gone', c[1] or 'unknown', ''} end
if a[3] and a[3] ~= '' and tonumber(a[3]) <= now then
  release_offer(aid, sid, 'missed', now, ARGV[5])
  return {'expired', a[3], ''}
end
drop_offer(aid)
set_state(aid, 'on_call', 'interpreter', now)
redis.call('HSET', akey(aid), 'deadline', '', 'offer_kind', '')
redis.call('HSET', ckey(sid), 'interpreter', aid, 'interpreter_offer', '')
return {'ok', c[3], ''}
