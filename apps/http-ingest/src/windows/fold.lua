-- fold.lua: folds a group's pre-aggregated partial window into the window hash, at most once per
-- group and never into a window already closed.
--
-- KEYS[1] group         the group's payload (deleted here: a retried job finds it gone)
-- KEYS[2] window hash   histogram buckets, sums, extremes, sample count
-- KEYS[3] window hosts  host -> highest CPU (sorted set)
-- KEYS[4] closed-upto   start of the newest closed window
-- KEYS[5] aggregated    samples folded (counter)
-- KEYS[6] pending       batches admitted and not yet folded (counter)
-- KEYS[7] jobs-folded   groups folded (counter)
-- ARGV[1] start         the window's start (ms)
-- ARGV[2] ttlSeconds    the window keys expire after this if nobody closes the window
-- ARGV[3] samples       samples in the group
-- ARGV[4..] four sections, each led by its pair count: HINCRBY pairs (field, integer),
--           HINCRBYFLOAT pairs (field, number), min pairs, max pairs; then host pairs (host, cpu)
--           for ZADD GT.
-- Returns {1, batches} when folded; {0, 0} when the group was already folded (a retried or stalled
-- job: its payload is gone); {-1, closedUpto} when the window was already closed (the caller folds
-- into a later window instead).
if redis.call('EXISTS', KEYS[1]) == 0 then return {0, 0} end
local closed = tonumber(redis.call('GET', KEYS[4]) or '-1')
if closed >= tonumber(ARGV[1]) then return {-1, closed} end
local i = 4
local n = tonumber(ARGV[i]); i = i + 1
for _ = 1, n do redis.call('HINCRBY', KEYS[2], ARGV[i], ARGV[i + 1]); i = i + 2 end
n = tonumber(ARGV[i]); i = i + 1
for _ = 1, n do redis.call('HINCRBYFLOAT', KEYS[2], ARGV[i], ARGV[i + 1]); i = i + 2 end
n = tonumber(ARGV[i]); i = i + 1
for _ = 1, n do
  local seen = redis.call('HGET', KEYS[2], ARGV[i])
  if not seen or tonumber(ARGV[i + 1]) < tonumber(seen) then redis.call('HSET', KEYS[2], ARGV[i], ARGV[i + 1]) end
  i = i + 2
end
n = tonumber(ARGV[i]); i = i + 1
for _ = 1, n do
  local seen = redis.call('HGET', KEYS[2], ARGV[i])
  if not seen or tonumber(ARGV[i + 1]) > tonumber(seen) then redis.call('HSET', KEYS[2], ARGV[i], ARGV[i + 1]) end
  i = i + 2
end
n = tonumber(ARGV[i]); i = i + 1
for _ = 1, n do redis.call('ZADD', KEYS[3], 'GT', ARGV[i + 1], ARGV[i]); i = i + 2 end
local batches = redis.call('LLEN', KEYS[1])
redis.call('DEL', KEYS[1])
redis.call('EXPIRE', KEYS[2], ARGV[2])
redis.call('EXPIRE', KEYS[3], ARGV[2])
redis.call('INCRBY', KEYS[5], ARGV[3])
redis.call('DECRBY', KEYS[6], batches)
redis.call('INCR', KEYS[7])
return {1, batches}
