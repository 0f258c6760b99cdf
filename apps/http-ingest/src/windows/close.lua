-- close.lua: closes a window once, when it is complete or has waited its longest. Complete means the
-- window has ended (by Redis's clock, which the admit script uses, so no batch can be admitted into
-- it any more) and every batch admitted while it was open has been folded. The first caller that
-- finds it so moves closed-upto to the window's start and takes the aggregate away; any later caller
-- (another replica) is told it is closed. Admits and folds after this see the window closed and go
-- to a later one.
--
-- KEYS[1] closed-upto      start of the newest closed window
-- KEYS[2] window hash      the aggregate, and `a` (batches admitted), `f` (folded), `late` (samples)
-- KEYS[3] window hosts
-- KEYS[4] window rejected  batches refused while the window was open (counter)
-- ARGV[1] start            the window's start (ms)
-- ARGV[2] windowMs
-- ARGV[3] maxWaitMs        after its end, a window waits at most this long for its folds
-- ARGV[4] now              ms since the epoch; '' = Redis's clock (TIME)
-- ARGV[5] keepSeconds      '' or 0: take the aggregate away (one Redis). Sharded (one call per shard,
--                          see sharded-windows.ts): keep it this long, marked closed (`_closed` =
--                          complete 1/0, `_at` = when), so every replica merging the shards reads it;
--                          the replica that publishes deletes it.
-- Returns {0, closedUpto} when it is closed already; {1, admitted, folded, retryInMs} when not yet
-- (still open, or incomplete before its maximum wait; retryInMs: until it ends, or until the wait
-- is over); {2, hash fields and values, hosts with scores, rejected, complete (1 or 0), now} when
-- closed by this call, or (keep mode) when it was closed before and its aggregate is still kept.
local closed = tonumber(redis.call('GET', KEYS[1]) or '-1')
local start = tonumber(ARGV[1])
local keep = tonumber(ARGV[5]) or 0
if closed >= start then
  if keep > 0 then
    local mark = redis.call('HMGET', KEYS[2], '_closed', '_at')
    if mark[1] then
      local hash = redis.call('HGETALL', KEYS[2])
      local hosts = redis.call('ZRANGE', KEYS[3], 0, -1, 'WITHSCORES')
      local rejected = redis.call('GET', KEYS[4]) or '0'
      return { 2, hash, hosts, rejected, tonumber(mark[1]), mark[2] }
    end
  end
  return { 0, string.format('%d', closed) }
end
local now = tonumber(ARGV[4])
if not now then
  local time = redis.call('TIME')
  now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
end
local ends = start + tonumber(ARGV[2])
local counts = redis.call('HMGET', KEYS[2], 'a', 'f')
local admitted = tonumber(counts[1] or '0')
local folded = tonumber(counts[2] or '0')
local complete = folded >= admitted
if now < ends then return { 1, admitted, folded, ends - now } end
local deadline = ends + tonumber(ARGV[3])
if not complete and now < deadline then return { 1, admitted, folded, deadline - now } end
redis.call('SET', KEYS[1], ARGV[1])
local at = string.format('%d', now)
if keep > 0 then
  redis.call('HSET', KEYS[2], '_closed', complete and 1 or 0, '_at', at)
  redis.call('EXPIRE', KEYS[2], keep)
  redis.call('EXPIRE', KEYS[3], keep)
  redis.call('EXPIRE', KEYS[4], keep)
end
local hash = redis.call('HGETALL', KEYS[2])
local hosts = redis.call('ZRANGE', KEYS[3], 0, -1, 'WITHSCORES')
local rejected = redis.call('GET', KEYS[4]) or '0'
if keep == 0 then redis.call('DEL', KEYS[2], KEYS[3], KEYS[4]) end
return { 2, hash, hosts, rejected, complete and 1 or 0, at }
