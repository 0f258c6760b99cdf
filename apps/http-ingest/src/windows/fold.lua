-- fold.lua: folds a bulk of groups (the batches of many jobs, pre-aggregated by the worker into one
-- partial window per target window) into the window aggregates, in one atomic step: each group at
-- most once, never into a closed window. A group's batches count towards its admit window's folded
-- count (the watermark) when they land in that window; a group whose admit window was published
-- before it was folded (at the maximum wait) lands in a later window and counts there as late. The
-- fold that completes an ended window announces it, so a publisher need not poll.
--
-- KEYS[1] closed-upto   start of the newest closed window
-- KEYS[2] aggregated    samples folded (counter)
-- KEYS[3] pending       batches admitted and not yet folded (counter)
-- KEYS[4] jobs-folded   groups folded (counter)
-- KEYS[5..] groups      each group's payload (deleted here: a retried or stalled job finds it gone)
-- ARGV[1] now           ms since the epoch; '' = Redis's clock (TIME), the one the admit script uses
-- ARGV[2] windowMs
-- ARGV[3] windowTtl     seconds a window's keys live if no publisher ever closes it
-- ARGV[4] windowPrefix  a window's hash is <windowPrefix><start>, its hosts <windowPrefix><start>:hosts
-- ARGV[5] notices       channel for "window <start> is complete"
-- ARGV[6..] per group, in KEYS order: admit window, target window, samples
-- then the number of sections, then per section: its target window, its sample count, and the
-- section as JSON (window-codec.ts): [HINCRBY pairs (field, integer), HINCRBYFLOAT pairs (field,
-- number as text), keep-lowest pairs, keep-highest pairs, (cpu, host) pairs for ZADD GT].
-- Returns {1, batches} when folded; {0, i, ...} when groups i (1-based, KEYS order minus 4) were
-- folded already (nothing done: the caller folds the rest again without them); {-1, closedUpto}
-- when a target window is closed already (nothing done: the caller moves those groups later).
local groups = #KEYS - 4
local missing = { 0 }
for g = 1, groups do
  if redis.call('EXISTS', KEYS[4 + g]) == 0 then missing[#missing + 1] = g end
end
if #missing > 1 then return missing end

local closed = tonumber(redis.call('GET', KEYS[1]) or '-1')
local sectionsAt = 6 + groups * 3
local sections = tonumber(ARGV[sectionsAt])
for s = 1, sections do
  if tonumber(ARGV[sectionsAt + 1 + (s - 1) * 3]) <= closed then return { -1, closed } end
end

local prefix = ARGV[4]
local ttl = ARGV[3]
local samples = 0
-- ZADD takes many members at once; unpack() is bounded by Lua's C stack, hence the chunks.
local ZADD_CHUNK = 4000
for s = 1, sections do
  local at = sectionsAt + 1 + (s - 1) * 3
  local hash = prefix .. ARGV[at]
  local hosts = hash .. ':hosts'
  samples = samples + tonumber(ARGV[at + 1])
  local section = cjson.decode(ARGV[at + 2])
  local ints, floats, mins, maxes, cpus = section[1], section[2], section[3], section[4], section[5]
  for i = 1, #ints, 2 do redis.call('HINCRBY', hash, ints[i], ints[i + 1]) end
  for i = 1, #floats, 2 do redis.call('HINCRBYFLOAT', hash, floats[i], floats[i + 1]) end
  for i = 1, #mins, 2 do
    local seen = redis.call('HGET', hash, mins[i])
    if not seen or tonumber(mins[i + 1]) < tonumber(seen) then redis.call('HSET', hash, mins[i], mins[i + 1]) end
  end
  for i = 1, #maxes, 2 do
    local seen = redis.call('HGET', hash, maxes[i])
    if not seen or tonumber(maxes[i + 1]) > tonumber(seen) then redis.call('HSET', hash, maxes[i], maxes[i + 1]) end
  end
  for i = 1, #cpus, ZADD_CHUNK do
    redis.call('ZADD', hosts, 'GT', unpack(cpus, i, math.min(i + ZADD_CHUNK - 1, #cpus)))
  end
  redis.call('EXPIRE', hash, ttl)
  redis.call('EXPIRE', hosts, ttl)
end

local batches = 0
local onTime = {}
for g = 1, groups do
  local at = 6 + (g - 1) * 3
  local admitted = ARGV[at]
  local target = ARGV[at + 1]
  local n = redis.call('LLEN', KEYS[4 + g]) - 1
  redis.call('DEL', KEYS[4 + g])
  batches = batches + n
  if admitted == target then
    redis.call('HINCRBY', prefix .. target, 'f', n)
    onTime[target] = true
  else
    redis.call('HINCRBY', prefix .. target, 'late', ARGV[at + 2])
  end
end
redis.call('INCRBY', KEYS[2], samples)
redis.call('DECRBY', KEYS[3], batches)
redis.call('INCRBY', KEYS[4], groups)

-- An ended window whose admitted batches are now all folded is complete: say so.
local now = tonumber(ARGV[1])
if not now then
  local time = redis.call('TIME')
  now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
end
local windowMs = tonumber(ARGV[2])
for target in pairs(onTime) do
  if now >= tonumber(target) + windowMs then
    local counts = redis.call('HMGET', prefix .. target, 'a', 'f')
    if tonumber(counts[2] or '0') >= tonumber(counts[1] or '0') then
      redis.call('PUBLISH', ARGV[5], target)
    end
  end
end
return { 1, batches }
