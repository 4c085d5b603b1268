-- wrk script of the catalog benchmark (bench/catalog.py runs it; see bench/README.md).
--
--   wrk -t2 -c8 -d10s --latency -s bench/catalog.lua http://127.0.0.1:PORT -- \
--       '/api/v1/datasets?limit=25&q={q}' bench/catalog_queries.txt ['Authorization: Bearer kn_...']
--
-- Every request carries a query picked at random from the queries file (URL-encoded UTF-8) in place
-- of {q} (a template without {q} is requested as it is), and the optional header. done() prints one line "CATALOG_BENCH {json}" with the request
-- rate, the latency percentiles in microseconds (p95 exactly, from wrk's own histogram), and the
-- count of responses whose status is not 2xx (wrk itself only counts status >= 400).

local threads = {}

function setup(thread)
  thread:set("id", #threads + 1)
  table.insert(threads, thread)
end

local function urlencode(s)
  return (s:gsub("[^%w%-%._~]", function(c) return string.format("%%%02X", string.byte(c)) end))
end

local requests_ = {}
non2xx = 0
first_bad = 0

function init(args)
  local template, queries_file, header = args[1], args[2], args[3]
  local prefix, suffix = template:match("^(.-){q}(.*)$")
  if not prefix then  -- no {q}: the same path every time (a baseline without search)
    prefix, suffix = template, nil
  end
  local headers = {}
  if header and header ~= "" then
    local name, value = header:match("^([^:]+):%s*(.*)$")
    headers[name] = value
  end
  for line in io.lines(queries_file) do
    local q = line:match("^%s*(.-)%s*$")
    if q ~= "" and q:sub(1, 1) ~= "#" then
      local path = suffix and (prefix .. urlencode(q) .. suffix) or prefix
      table.insert(requests_, wrk.format("GET", path, headers))
    end
  end
  if #requests_ == 0 then
    error("no queries in " .. tostring(queries_file))
  end
  math.randomseed(1000 + id)  -- a fixed sequence of queries per thread: runs are comparable
end

function request()
  return requests_[math.random(#requests_)]
end

function response(status, headers, body)
  if status < 200 or status > 299 then
    non2xx = non2xx + 1
    if first_bad == 0 then
      first_bad = status
    end
  end
end

function done(summary, latency, requests)
  local bad, first = 0, 0
  for _, thread in ipairs(threads) do
    bad = bad + (thread:get("non2xx") or 0)
    local status = thread:get("first_bad") or 0
    if first == 0 then
      first = status
    end
  end
  local e = summary.errors
  io.write(string.format(
    'CATALOG_BENCH {"requests": %d, "duration_us": %d, "rps": %.2f, "p50_us": %d, "p90_us": %d, "p95_us": %d, ' ..
    '"p99_us": %d, "max_us": %d, "mean_us": %.1f, "non2xx": %d, "first_non2xx_status": %d, ' ..
    '"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}}\n',
    summary.requests, summary.duration, summary.requests / (summary.duration / 1e6),
    latency:percentile(50), latency:percentile(90), latency:percentile(95), latency:percentile(99),
    latency.max, latency.mean, bad, first, e.connect, e.read, e.write, e.status, e.timeout))
end
