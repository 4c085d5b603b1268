-- wrk script of the datastore benchmark (bench/datastore.py runs it; see bench/README.md).
--
--   wrk -t2 -c32 -d10s --latency -s bench/datastore.lua http://127.0.0.1:PORT -- PATHS_FILE ['Authorization: Bearer kn_...']
--
-- Every request is a path picked at random from PATHS_FILE (one path per line, already URL-encoded),
-- with a fixed sequence per thread so runs are comparable, and the optional header. There is no
-- response() callback on purpose (as in ../shared/bench/api/wrk_paths.lua): it would make wrk hand
-- every reply to Lua; wrk counts HTTP status >= 400 itself (errors.status). done() prints one line
-- "DATASTORE_BENCH {json}" with the request rate, the latency percentiles in microseconds and the errors.

local threads = {}

function setup(thread)
  thread:set("id", #threads + 1)
  table.insert(threads, thread)
end

local requests_ = {}

function init(args)
  local paths_file, header = args[1], args[2]
  local headers = {}
  if header and header ~= "" then
    local name, value = header:match("^([^:]+):%s*(.*)$")
    headers[name] = value
  end
  for line in io.lines(paths_file) do
    if #line > 0 then
      table.insert(requests_, wrk.format("GET", line, headers))
    end
  end
  if #requests_ == 0 then
    error("no paths in " .. tostring(paths_file))
  end
  math.randomseed(1000 + id)
end

function request()
  return requests_[math.random(#requests_)]
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'DATASTORE_BENCH {"requests": %d, "duration_us": %d, "rps": %.2f, "p50_us": %d, "p90_us": %d, "p99_us": %d, ' ..
    '"max_us": %d, "mean_us": %.1f, "bytes": %d, ' ..
    '"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}}\n',
    summary.requests, summary.duration, summary.requests / (summary.duration / 1e6),
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout))
end
