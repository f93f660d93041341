-- ARGV: prefix, agent_id, target ('available' / 'break' / 'offline'), reason, now,
--       skills ("km:5,th:3", '' = keep), from ('' = any idle state, or a required state)
local aid, target, reason, now = ARGV[2], ARGV[3], ARGV[4], ARGV[5]
local state = redis.call('HGET', akey(aid), 'state') or 'offline'
if ARGV[7] ~= '' and state ~= ARGV[7] then return {'wrong_state', state} end
if state == 'reserved' or state == 'on_call' then return {'agent_busy', state} end
put_in_state(aid, target, reason, now, state, ARGV[6])
return {'ok', state}
