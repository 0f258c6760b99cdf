-- publish.lua: the one publication of a window merged from every shard (sharded-windows.ts). Several
-- replicas may merge the same window (the shards keep their closed aggregates until it is published,
-- so every merge is the same); the first to get here moves the publication fence and publishes, in
-- one step, and the others are told it is published already.
--
-- KEYS[1] published-upto   start of the newest published window (the unsharded closed-upto)
-- KEYS[2] history          closed windows, newest first
-- ARGV[1] start            the window's start (ms)
-- ARGV[2] window           the window as JSON
-- ARGV[3] historyWindows   how many the history keeps
-- ARGV[4] channel          pub/sub channel of closed windows
-- Returns 1 when published by this call, 0 when it was published already.
local published = tonumber(redis.call('GET', KEYS[1]) or '-1')
if published >= tonumber(ARGV[1]) then return 0 end
redis.call('SET', KEYS[1], ARGV[1])
redis.call('LPUSH', KEYS[2], ARGV[2])
redis.call('LTRIM', KEYS[2], 0, tonumber(ARGV[3]) - 1)
redis.call('PUBLISH', ARGV[4], ARGV[2])
return 1
