-- close.lua: closes a window once. The first caller moves closed-upto to the window's start and
-- takes the aggregate away; any later caller (another replica) gets nil. Folds after this see the
-- window closed.
--
-- KEYS[1] closed-upto      start of the newest closed window
-- KEYS[2] window hash
-- KEYS[3] window hosts
-- KEYS[4] window rejected  batches refused while the window was open (counter)
-- ARGV[1] start            the window's start (ms)
-- Returns {hash fields and values, hosts with scores, rejected}, or nil when already closed.
local closed = tonumber(redis.call('GET', KEYS[1]) or '-1')
if closed >= tonumber(ARGV[1]) then return false end
redis.call('SET', KEYS[1], ARGV[1])
local hash = redis.call('HGETALL', KEYS[2])
local hosts = redis.call('ZRANGE', KEYS[3], 0, -1, 'WITHSCORES')
local rejected = redis.call('GET', KEYS[4]) or '0'
redis.call('DEL', KEYS[2], KEYS[3], KEYS[4])
return {hash, hosts, rejected}
