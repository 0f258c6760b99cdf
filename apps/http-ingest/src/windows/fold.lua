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
-- then the number of sections, then per section: its target window, its sample count, and four
-- counted lists, each led by its pair count: HINCRBY pairs (field, integer), HINCRBYFLOAT pairs
-- (field, number), min pairs, max pairs; then host pairs (host, cpu) for ZADD GT.
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
local i = sectionsAt + 1
local starts = {}
for s = 1, sections do
  local target = tonumber(ARGV[i])
  if target <= closed then return { -1, closed } end
  starts[s] = i
  -- skip the section: target, samples, then four counted lists of pairs and the host pairs
  i = i + 2
  for _ = 1, 5 do i = i + 1 + tonumber(ARGV[i]) * 2 end
end

local prefix = ARGV[4]
local ttl = ARGV[3]
local samples = 0
for s = 1, sections do
  i = starts[s]
  local hash = prefix .. ARGV[i]
  local hosts = hash .. ':hosts'
  samples = samples + tonumber(ARGV[i + 1])
  i = i + 2
  local n = tonumber(ARGV[i]); i = i + 1
  for _ = 1, n do redis.call('HINCRBY', hash, ARGV[i], ARGV[i + 1]); i = i + 2 end
  n = tonumber(ARGV[i]); i = i + 1
  for _ = 1, n do redis.call('HINCRBYFLOAT', hash, ARGV[i], ARGV[i + 1]); i = i + 2 end
  n = tonumber(ARGV[i]); i = i + 1
  for _ = 1, n do
    local seen = redis.call('HGET', hash, ARGV[i])
    if not seen or tonumber(ARGV[i + 1]) < tonumber(seen) then redis.call('HSET', hash, ARGV[i], ARGV[i + 1]) end
    i = i + 2
  end
  n = tonumber(ARGV[i]); i = i + 1
  for _ = 1, n do
    local seen = redis.call('HGET', hash, ARGV[i])
    if not seen or tonumber(ARGV[i + 1]) > tonumber(seen) then redis.call('HSET', hash, ARGV[i], ARGV[i + 1]) end
    i = i + 2
  end
  n = tonumber(ARGV[i]); i = i + 1
  for _ = 1, n do redis.call('ZADD', hosts, 'GT', ARGV[i + 1], ARGV[i]); i = i + 2 end
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
