// The two Lua scripts that make windows in Redis exact: a fold that counts a group at most once and
// never into a closed window, and a close that exactly one publisher wins for each window.

/**
 * Folds a group's pre-aggregated partial into the window hash.
 * KEYS: group payload, window hash, window hosts, closed-upto, aggregated, pending, jobs-folded.
 * ARGV: start, ttlSeconds, samples, then four sections each led by its pair count:
 *   HINCRBY pairs (field, integer), HINCRBYFLOAT pairs (field, number), min pairs, max pairs,
 *   then host pairs (host, cpu) for ZADD GT.
 * Returns {1, batches} when folded, {0, 0} when the group was already folded (a retried or
 * stalled job: its payload is gone), {-1, closedUpto} when the window was already closed (the
 * caller folds into a later window instead).
 */
export const FOLD_LUA = `
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
`;

/**
 * Closes a window once: the first caller moves closed-upto to `start` and takes the aggregate away;
 * any later caller (another replica) gets nil. Folds after this see the window closed.
 * KEYS: closed-upto, window hash, window hosts, window rejected. ARGV: start.
 * Returns {hash fields and values, hosts with scores, rejected} or nil.
 */
export const CLOSE_LUA = `
local closed = tonumber(redis.call('GET', KEYS[1]) or '-1')
if closed >= tonumber(ARGV[1]) then return false end
redis.call('SET', KEYS[1], ARGV[1])
local hash = redis.call('HGETALL', KEYS[2])
local hosts = redis.call('ZRANGE', KEYS[3], 0, -1, 'WITHSCORES')
local rejected = redis.call('GET', KEYS[4]) or '0'
redis.call('DEL', KEYS[2], KEYS[3], KEYS[4])
return {hash, hosts, rejected}
`;
