-- ARGV: prefix, sid, now, reason, day, short_abandon_seconds, wrap_until, limit,
--       only_queued ('1': leave only a waiting or offered call, as a ghost is removed)
-- Ends a call wherever it is: waiting, offered, or talking (then agents wrap up, and an
-- interpreter still being offered the call is freed).
-- 'gone' is a caller found to have hung up whose status callback never came.
local sid, now, reason = ARGV[2], tonumber(ARGV[3]), ARGV[4]
local c = redis.call('HMGET', ckey(sid), 'state', 'skill', 'agent', 'joined_at', 'interpreter',
                     'counted', 'interpreter_offer')
local state = c[1]
if not state or state == 'ended' then return {'absent', state or 'unknown', '', ''} end
if ARGV[9] == '1' and state ~= 'waiting' and state ~= 'reserved' then
  return {'absent', state, '', ''}
end
local aid = c[3] or ''
local freed = ''
local kind = kind_of(sid)
if state == 'waiting' or state == 'reserved' then
  unqueue(sid, kind, c[2])
  if state == 'reserved' then cancel_offer(aid, sid, ARGV[8], now) end
  local waited = now - tonumber(c[4])
  if c[6] == '1' or is_deferred(kind) then
    -- answered once already (then transferred), or not a call: not an abandoned call
  elseif reason == 'hung_up' or reason == 'abandoned' or reason == 'gone' then
    stat(ARGV[5], c[2], 'abandoned', 1)
    if waited > tonumber(ARGV[6]) then stat(ARGV[5], c[2], 'abandoned_after_short', 1) end
  else
    stat(ARGV[5], c[2], 'diverted', 1)
  end
else
  for _, agent in ipairs({aid, c[5] or ''}) do
    if agent ~= '' and redis.call('HGET', akey(agent), 'call') == sid then
      start_wrap_up(agent, now, ARGV[7])
      journal('end ' .. agent .. ' ' .. sid, ARGV[8])
    end
  end
  local invited = c[7] or ''
  if invited ~= '' and redis.call('HGET', akey(invited), 'call') == sid
     and redis.call('HGET', akey(invited), 'state') == 'reserved' then
    cancel_offer(invited, sid, ARGV[8], now)
    freed = invited
  end
end
finish_call(sid, reason, now)
journal('leave ' .. sid .. ' ' .. reason, ARGV[8])
return {'ok', state, aid, freed}
