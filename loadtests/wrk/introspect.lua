-- wrk script: POST introspection with tokens from a file, for peak-throughput runs.
--
--   WRK_TOKENS=tokens.txt WRK_AUTH="Basic ..." [WRK_PATH=/oauth2/introspect] [WRK_BATCH=100] \
--     wrk -t1 -c64 -d20s --latency -s loadtests/wrk/introspect.lua http://127.0.0.1:8080
--
-- One token per line in WRK_TOKENS (the pool's mix). WRK_BATCH=0 (default): form-encoded
-- single-token introspection (RFC 7662). WRK_BATCH=N: JSON {"tokens": [...N...]} to
-- /oauth2/introspect/batch. Requests are built once in init(), so the Lua side costs next
-- to nothing per request. done() prints one machine-readable line: WRKJSON {...}.

local path = os.getenv("WRK_PATH") or "/oauth2/introspect"
local auth = os.getenv("WRK_AUTH") or ""
local file = os.getenv("WRK_TOKENS") or "tokens.txt"
local batch = tonumber(os.getenv("WRK_BATCH") or "0")

local requests = {}
local counter = 0

function init(args)
  local tokens = {}
  for line in io.lines(file) do
    if #line > 0 then tokens[#tokens + 1] = line end
  end
  local headers = { ["Authorization"] = auth }
  if batch > 0 then
    headers["Content-Type"] = "application/json"
    local distinct = math.min(#tokens, 64)
    for i = 1, distinct do
      local parts = {}
      for j = 0, batch - 1 do
        parts[#parts + 1] = '"' .. tokens[((i * 37 + j) % #tokens) + 1] .. '"'
      end
      requests[#requests + 1] = wrk.format("POST", path, headers,
        '{"tokens":[' .. table.concat(parts, ",") .. ']}')
    end
  else
    headers["Content-Type"] = "application/x-www-form-urlencoded"
    for i = 1, #tokens do
      requests[#requests + 1] = wrk.format("POST", path, headers, "token=" .. tokens[i])
    end
  end
  counter = math.random(#requests)
end

function request()
  counter = counter % #requests + 1
  return requests[counter]
end

function done(summary, latency, _)
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"requests":%d,"duration_us":%d,"bytes":%d,"errors_connect":%d,' ..
    '"errors_read":%d,"errors_write":%d,"errors_status":%d,"errors_timeout":%d,' ..
    '"p50_us":%d,"p75_us":%d,"p90_us":%d,"p99_us":%d,"p999_us":%d,"max_us":%d,"mean_us":%.1f}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status,
    e.timeout, latency:percentile(50), latency:percentile(75), latency:percentile(90),
    latency:percentile(99), latency:percentile(99.9), latency.max, latency.mean))
end
