-- ARGV: prefix, agent_id, target ('available' / 'break' / 'offline'), reason, now,
--       skills ("km:5,th:3", '' = keep), from ('' = any idle state, or a required state)
local aid, target, reason, now = ARGV[2], ARGV[3], ARGV[4], ARGV[5]
local state = redis.call('HGET', akey(aid), 'state') or 'offline'
if ARGV[7] ~= '' and state ~= ARGV[7] then return {'wrong_state', state} end
if state == 'reserved' or state == 'on_call' then return {'agent_busy', state} end
leave_available_sets(aid)
set_online(aid, false)
set_serving(aid, false)
if ARGV[6] ~= '' then redis.call('HSET', akey(aid), 'skills', ARGV[6]) end
redis.call('ZREM', p .. 'wrapups', aid)
if target == 'available' then
  become_available(aid, now, state == 'available')
else
  set_state(aid, target, reason, now)
end
if target ~= 'offline' then set_online(aid, true) end
return {'ok', state}
