-- ARGV: prefix, agent_id, sid, now, day, sl_seconds, limit
-- An accept at or after the offer's deadline is refused and the offer lapses there and
-- then ('expired'), so a late click never wins, however late the sweep runs.
-- Deferred work is not a call answered: it stays out of the live figures.
local aid, sid, now = ARGV[2], ARGV[3], tonumber(ARGV[4])
local a = redis.call('HMGET', akey(aid), 'state', 'call', 'deadline', 'offer_kind')
if a[1] ~= 'reserved' or a[2] ~= sid or a[4] == 'interpreter' then
  return {'no_offer', a[1] or 'unknown'}
end
local c = redis.call('HMGET', ckey(sid), 'state', 'skill', 'first_joined_at', 'counted')
if c[1] ~= 'reserved' then return {'call_gone', c[1] or 'unknown'} end
if a[3] and a[3] ~= '' and tonumber(a[3]) <= now then
  release_offer(aid, sid, 'missed', now, ARGV[7])
  return {'expired', a[3]}
end
drop_offer(aid)
set_state(aid, 'on_call', '', now)
redis.call('HSET', akey(aid), 'deadline', '', 'offer_kind', '')
redis.call('HSET', ckey(sid), 'state', 'connected', 'accepted_at', now)
local waited = now - tonumber(c[3])
if c[4] ~= '1' and not is_deferred(kind_of(sid)) then
  redis.call('HSET', ckey(sid), 'counted', '1', 'counted_by', aid)
  stat(ARGV[5], c[2], 'answered', 1)
  stat(ARGV[5], c[2], 'answer_wait_total', waited)
  if waited <= tonumber(ARGV[6]) then stat(ARGV[5], c[2], 'answered_in_sl', 1) end
  local recent = p .. 'recent:' .. c[2]
  redis.call('LPUSH', recent, waited)
  redis.call('LTRIM', recent, 0, 19)
end
journal('accept ' .. aid .. ' ' .. sid, ARGV[7])
return {'ok', tostring(waited)}
