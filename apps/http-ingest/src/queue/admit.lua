-- admit.lua: the Lua half of a group commit. It picks the window the group is admitted into (the one
-- open now by Redis's clock, or the first after the closed-upto fence), and for each batch remembers
-- its (producer, seq) in the producer's repeat memory or recognises a repeat; it keeps the new
-- batches under the group's key (the claim check the fold job points to), counts them, and adds them
-- to the window's admitted count, the watermark the publisher waits for. It runs in the same MULTI
-- as BullMQ's add of the group's job, so all of it happens or none does.
--
-- A producer's repeat memory is one hash: seqs in pages of 512, each page a 64-byte bitmap (`b<page>`)
-- with the time of its newest admission (`t<page>`), and a floor (`f`): every page below the floor has
-- been forgotten, so a seq there is refused as too old. When a new page is started, pages at the
-- bottom whose newest admission is older than the horizon are forgotten and the floor rises above
-- them. The hash expires `horizon` after the producer's last new batch. So a seq is remembered at
-- least `horizon` after its admission, and memory follows producers, not batches.
--
-- Window and dedupe keys are named here from prefixes (as BullMQ's scripts do with job keys); they
-- carry the same hash tag as KEYS, so a cluster keeps them in one slot.
--
-- KEYS[1] accepted      samples acknowledged (counter)
-- KEYS[2] duplicates    batches recognised as repeats (counter)
-- KEYS[3] producers     set of producer names seen
-- KEYS[4] pending       batches admitted and not yet folded (counter)
-- KEYS[5] closed-upto   start of the newest closed window
-- KEYS[6] group         the group's payload: a list of its admit window, then the stored batches
-- KEYS[7] unjobbed      groups no job covers yet (sorted set, by admission time): see ingest-queue.ts
-- ARGV[1] now           ms since the epoch; '' = Redis's clock (TIME), the one every replica shares
-- ARGV[2] group         the group's id (its member in `unjobbed`)
-- ARGV[3] windowMs
-- ARGV[4] horizonMs     a (producer, seq) is remembered at least this long after its admission
-- ARGV[5] windowTtl     seconds a window's keys live if no publisher ever closes it
-- ARGV[6] dedupePrefix  a producer's repeat memory is <dedupePrefix><producer>
-- ARGV[7] windowPrefix  a window's hash is <windowPrefix><start>
-- ARGV[8..] per batch: producer, seq, sampleCount, stored batch
-- Returns one integer per batch: n (> 0) when new (n samples), -n when a repeat, 0 when too old.
local PAGE_SEQS = 512
local EMPTY_PAGE = string.rep('\0', PAGE_SEQS / 8)

local now = tonumber(ARGV[1])
if not now then
  local time = redis.call('TIME')
  now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
end
local nowText = string.format('%d', now)
local windowMs = tonumber(ARGV[3])
local horizon = tonumber(ARGV[4])

-- Forgets the pages at the bottom whose newest admission is older than the horizon (never the page
-- being written) and raises the floor above them.
local function forgetOldPages(key, currentPage)
  local pages = {}
  for _, field in ipairs(redis.call('HKEYS', key)) do
    if string.sub(field, 1, 1) == 't' then pages[#pages + 1] = tonumber(string.sub(field, 2)) end
  end
  table.sort(pages)
  local floor = nil
  for _, page in ipairs(pages) do
    if page >= currentPage then break end
    local id = string.format('%d', page)
    if tonumber(redis.call('HGET', key, 't' .. id)) > now - horizon then break end
    redis.call('HDEL', key, 'b' .. id, 't' .. id)
    floor = page + 1
  end
  if floor then redis.call('HSET', key, 'f', string.format('%d', floor)) end
end

-- 1 when (producer, seq) is new (and now remembered), 0 when a repeat, -1 when below the floor.
local function remember(producer, seq)
  local key = ARGV[6] .. producer
  local page = math.floor(seq / PAGE_SEQS)
  local id = string.format('%d', page)
  local state = redis.call('HMGET', key, 'f', 'b' .. id)
  local floor = tonumber(state[1])
  if floor and page < floor then return -1 end
  local bits = state[2] or EMPTY_PAGE
  local offset = seq - page * PAGE_SEQS
  local at = math.floor(offset / 8) + 1
  local mask = bit.lshift(1, offset % 8)
  local byte = string.byte(bits, at)
  if bit.band(byte, mask) ~= 0 then return 0 end
  bits = string.sub(bits, 1, at - 1) .. string.char(bit.bor(byte, mask)) .. string.sub(bits, at + 1)
  if floor then
    redis.call('HSET', key, 'b' .. id, bits, 't' .. id, nowText)
    if not state[2] then forgetOldPages(key, page) end
  else
    redis.call('HSET', key, 'f', '0', 'b' .. id, bits, 't' .. id, nowText)
    redis.call('SADD', KEYS[3], producer)
  end
  redis.call('PEXPIRE', key, horizon)
  return 1
end

local closed = tonumber(redis.call('GET', KEYS[5]) or '-1')
local window = math.floor(now / windowMs) * windowMs
if window <= closed then window = closed + windowMs end
local windowText = string.format('%d', window)

local out = {}
local stored = { windowText }
local samples = 0
for i = 8, #ARGV, 4 do
  local n = tonumber(ARGV[i + 2])
  local outcome = remember(ARGV[i], tonumber(ARGV[i + 1]))
  if outcome == 1 then
    stored[#stored + 1] = ARGV[i + 3]
    samples = samples + n
    out[#out + 1] = n
  elseif outcome == 0 then
    redis.call('INCR', KEYS[2])
    out[#out + 1] = -n
  else
    out[#out + 1] = 0
  end
end
local fresh = #stored - 1
if fresh > 0 then
  redis.call('RPUSH', KEYS[6], unpack(stored))
  redis.call('INCRBY', KEYS[1], samples)
  redis.call('INCRBY', KEYS[4], fresh)
  local hash = ARGV[7] .. windowText
  redis.call('HINCRBY', hash, 'a', fresh)
  redis.call('EXPIRE', hash, ARGV[5])
  redis.call('ZADD', KEYS[7], nowText, ARGV[2])
end
return out
