-- admit.lua: the Lua half of a group commit. For each batch, remember its (producer, seq) or
-- recognise a repeat, keep the new batches' JSON under the group's key (the claim check the fold job
-- points to) and count. It runs in the same MULTI as BullMQ's add of the group's job, so both
-- happen or neither does.
--
-- KEYS[1] accepted      samples acknowledged (counter)
-- KEYS[2] duplicates    batches recognised as repeats (counter)
-- KEYS[3] producers     set of producer names seen
-- KEYS[4] pending       batches admitted and not yet folded (counter)
-- KEYS[5] group         the group's payload: a list of batch JSON texts
-- KEYS[6..] seen        one `seen` marker key per batch, in batch order
-- ARGV[1]   seenTtlSeconds  how long a (producer, seq) is remembered
-- ARGV[2..] per batch: producer, sampleCount, json
-- Returns one integer per batch: n (> 0) when new, -n when a repeat (n = the first copy's samples).
local ttl = tonumber(ARGV[1])
local count = #KEYS - 5
local out = {}
local samples = 0
local fresh = 0
for i = 1, count do
  local base = 1 + (i - 1) * 3
  local n = ARGV[base + 2]
  if redis.call('SET', KEYS[5 + i], n, 'NX', 'EX', ttl) then
    redis.call('RPUSH', KEYS[5], ARGV[base + 3])
    redis.call('SADD', KEYS[3], ARGV[base + 1])
    samples = samples + tonumber(n)
    fresh = fresh + 1
    out[i] = tonumber(n)
  else
    local first = tonumber(redis.call('GET', KEYS[5 + i])) or tonumber(n)
    redis.call('INCR', KEYS[2])
    out[i] = -first
  end
end
if fresh > 0 then
  redis.call('INCRBY', KEYS[1], samples)
  redis.call('INCRBY', KEYS[4], fresh)
end
return out
