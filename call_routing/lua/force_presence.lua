-- ARGV: prefix, agent_id, target ('available' / 'break' / 'offline'), reason, now,
--       skills ("km:5,th:3", '' = keep), by (the supervisor's id), note, limit
-- A supervisor sets an agent's state, whatever the agent is doing short of talking
-- to a caller (a call in progress is ended by hanging up, not by a state). An offer
-- the agent is being made is withdrawn: the work goes back under its own score, so
-- the head it was offered from is the head again. Who did it, and why, stay on the
-- agent until their state next changes (forced_state and forced_since still hold).
-- → {'ok', previous state, withdrawn sid or '', its skill or '', its offer kind or ''}
local aid, target, reason, now = ARGV[2], ARGV[3], ARGV[4], ARGV[5]
local a = redis.call('HMGET', akey(aid), 'state', 'call', 'offer_kind')
local state = a[1] or 'offline'
if state == 'on_call' then return {'agent_busy', state} end
local withdrawn, skill, offer_kind = '', '', ''
if state == 'reserved' and a[2] and a[2] ~= '' then
  withdrawn, offer_kind = a[2], a[3] or ''
  drop_offer(aid)
  if offer_kind == 'interpreter' then
    if redis.call('HGET', ckey(withdrawn), 'interpreter_offer') == aid then
      redis.call('HSET', ckey(withdrawn), 'interpreter_offer', '')
    end
  elseif redis.call('HGET', ckey(withdrawn), 'state') == 'reserved' then
    requeue(withdrawn, redis.call('HGET', ckey(withdrawn), 'score'), now)
  end
  skill = redis.call('HGET', ckey(withdrawn), 'skill') or ''
  redis.call('HSET', akey(aid), 'call', '', 'deadline', '', 'offer_kind', '')
  journal('release ' .. aid .. ' ' .. withdrawn .. ' withdrawn', ARGV[9])
end
put_in_state(aid, target, reason, now, state, ARGV[6])
redis.call('HSET', akey(aid), 'forced_by', ARGV[7], 'forced_note', ARGV[8],
           'forced_state', target, 'forced_since', redis.call('HGET', akey(aid), 'since'))
return {'ok', state, withdrawn, skill, offer_kind}
