-- ARGV: prefix, sid, now, day, returned_score, sl_seconds, limit, agent_fate,
--       short_abandon_seconds
-- The agent's phone never answered (fate 'missed': a break), or the bridge could
-- not be started at all (fate 'available'): either way the caller goes to the front.
-- Fate 'gone': it could not start because the caller had hung up. The agent is free
-- at once (it was nobody's fault) and the call ends, abandoned in the queue.
local sid, now = ARGV[2], tonumber(ARGV[3])
local c = redis.call('HMGET', ckey(sid), 'state', 'skill', 'agent', 'first_joined_at',
                     'accepted_at', 'counted_by', 'interpreter', 'joined_at',
                     'interpreter_offer')
if c[1] ~= 'connected' then return {'not_connected', c[1] or 'unknown', ''} end
if c[7] and c[7] ~= '' then return {'in_conference', c[7], ''} end
if c[9] and c[9] ~= '' then return {'in_conference', c[9], ''} end
local aid = c[3]
if redis.call('HGET', akey(aid), 'call') == sid then
  if ARGV[8] == 'missed' then
    set_state(aid, 'break', 'missed', now)
    redis.call('HSET', akey(aid), 'call', '')
  else
    become_available(aid, now, true)
  end
end
if c[6] == aid then
  -- this agent's answer was counted; it did not happen after all
  local waited = tonumber(c[5]) - tonumber(c[4])
  stat(ARGV[4], c[2], 'answered', -1)
  stat(ARGV[4], c[2], 'answer_wait_total', -waited)
  if waited <= tonumber(ARGV[6]) then stat(ARGV[4], c[2], 'answered_in_sl', -1) end
  redis.call('HSET', ckey(sid), 'counted', '0', 'counted_by', '')
end
journal('fail ' .. aid .. ' ' .. sid, ARGV[7])
if ARGV[8] == 'gone' then
  if redis.call('HGET', ckey(sid), 'counted') ~= '1' then
    stat(ARGV[4], c[2], 'abandoned', 1)
    if now - tonumber(c[8]) > tonumber(ARGV[9]) then
      stat(ARGV[4], c[2], 'abandoned_after_short', 1)
    end
  end
  finish_call(sid, 'gone', now)
  journal('leave ' .. sid .. ' gone', ARGV[7])
  return {'ok', 'ended', aid}
end
requeue(sid, ARGV[5], now)
return {'ok', 'waiting', aid}
