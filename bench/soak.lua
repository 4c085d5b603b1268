-- wrk script of the soak benchmark (bench/soak.py runs it; see bench/README.md).
--
--   wrk -t2 -c16 -d60s -s bench/soak.lua http://127.0.0.1:PORT -- PATHS_FILE HEADER RATE THREADS
--
-- datastore.lua picks the requests (a random path of PATHS_FILE per request, with the header); this
-- script adds the pace and the count of answers that are not 2xx:
--
-- * RATE (requests per second for the whole run; 0 or absent: as fast as the server answers, a closed
--   loop) is split evenly over THREADS (wrk's -t: wrk does not tell a script). Each thread hands out
--   send times one interval apart, and every connection of the thread, before each request, takes the
--   next one and waits for it in wrk's delay() hook. The clock is CLOCK_MONOTONIC through LuaJIT's ffi (os.time() counts seconds).
--   When the server falls behind, the missed send times are sent at once, at most one second's worth
--   (a stall is not followed by an unbounded burst); the achieved rate then shows the shortfall.
--   wrk times a request from when it is written, so a wait for a send time is never counted as latency.
-- * response() counts answers outside 200-299 (wrk's own errors.status counts only >= 400).
-- * done() prints the line of datastore.lua, "DATASTORE_BENCH {json}" (bench/datastore.py wrk_load reads
--   it), with two more fields: p99.9 and the non-2xx count.

local here = debug.getinfo(1, "S").source:sub(2):match("^(.*)/[^/]*$") or "."
dofile(here .. "/datastore.lua")

local ffi = require("ffi")
ffi.cdef [[
  typedef struct { long tv_sec; long tv_nsec; } soak_timespec;
  int clock_gettime(int clock_id, soak_timespec *tp);
]]
local CLOCK_MONOTONIC = 1
local clock_now = ffi.new("soak_timespec")

local function now_us()
  ffi.C.clock_gettime(CLOCK_MONOTONIC, clock_now)
  return tonumber(clock_now.tv_sec) * 1e6 + tonumber(clock_now.tv_nsec) / 1e3
end

local BACKLOG_US = 1e6 -- at most this much of missed send times is caught up
local interval_us = nil -- between two send times of this thread; nil: no pace
local next_us = nil
non2xx = 0 -- global: done() reads it from each thread
local soak_threads = {}

local datastore_setup, datastore_init = setup, init

function setup(thread)
  datastore_setup(thread)
  table.insert(soak_threads, thread)
end

function init(args)
  datastore_init(args)
  local rate, thread_count = tonumber(args[3] or "0") or 0, tonumber(args[4] or "1") or 1
  if rate > 0 then
    interval_us = 1e6 * thread_count / rate
  end
end

function delay()
  if interval_us == nil then
    return 0
  end
  local now = now_us()
  if next_us == nil or next_us < now - BACKLOG_US then
    next_us = now
  end
  local send_at = next_us
  next_us = next_us + interval_us
  local wait_ms = (send_at - now) / 1000
  if wait_ms < 0.5 then
    return 0
  end
  return math.floor(wait_ms + 0.5)
end

function response(status, headers, body)
  if status < 200 or status > 299 then
    non2xx = non2xx + 1
  end
end

function done(summary, latency, requests)
  local e = summary.errors
  local bad = 0
  for _, thread in ipairs(soak_threads) do
    bad = bad + (thread:get("non2xx") or 0)
  end
  io.write(string.format(
    'DATASTORE_BENCH {"requests": %d, "duration_us": %d, "rps": %.2f, "p50_us": %d, "p90_us": %d, "p99_us": %d, ' ..
    '"p999_us": %d, "max_us": %d, "mean_us": %.1f, "bytes": %d, "non2xx": %d, ' ..
    '"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}}\n',
    summary.requests, summary.duration, summary.requests / (summary.duration / 1e6),
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency:percentile(99.9),
    latency.max, latency.mean, summary.bytes, bad,
    e.connect, e.read, e.write, e.status, e.timeout))
end
