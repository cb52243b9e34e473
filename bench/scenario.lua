-- wrk script for bench/run.sh: one scenario, configured by environment
-- variables, reporting one line of JSON at the end.
--
--   BENCH_METHOD, BENCH_PATH      the request (default: GET the URL given)
--   BENCH_COOKIE                  a `Cookie` header value
--   BENCH_BODY                    a url-encoded form (POST)
--   BENCH_DELAY_MS                pause before each request of a connection
--                                 (an open-loop rate: connections / delay)
--   BENCH_COUNT_STATUSES          count the responses of each status
--   BENCH_MIX_PATH, BENCH_MIX_TOKEN, BENCH_MIX_EVERY
--                                 every Nth request a POST that sets a cart
--                                 line's quantity (1, 2, 1, ...): a real change

local method = os.getenv("BENCH_METHOD") or "GET"
-- nil: the path of the URL given to wrk.
local path = os.getenv("BENCH_PATH")
local cookie = os.getenv("BENCH_COOKIE")
local body = os.getenv("BENCH_BODY")
local delay_ms = tonumber(os.getenv("BENCH_DELAY_MS") or "0")
local mix_path = os.getenv("BENCH_MIX_PATH")
local mix_token = os.getenv("BENCH_MIX_TOKEN")
local mix_every = tonumber(os.getenv("BENCH_MIX_EVERY") or "10")

local headers = {}
if cookie then headers["Cookie"] = cookie end
local form_headers = { ["Content-Type"] = "application/x-www-form-urlencoded" }
if cookie then form_headers["Cookie"] = cookie end

local count = 0

request = function()
  count = count + 1
  if mix_path and count % mix_every == 0 then
    local quantity = (count / mix_every) % 2 + 1
    return wrk.format("POST", mix_path, form_headers,
      "quantity=" .. quantity .. "&csrf_token=" .. mix_token)
  end
  if body then
    return wrk.format(method, path, form_headers, body)
  end
  return wrk.format(method, path, headers)
end

if delay_ms > 0 then
  delay = function() return delay_ms end
end

-- Counting each status costs wrk a Lua call per response: only on demand.
-- Each wrk thread has its own Lua state; `done` gathers their counts.
statuses = {}
if os.getenv("BENCH_COUNT_STATUSES") then
  response = function(status, headers, body)
    statuses[status] = (statuses[status] or 0) + 1
  end
end

local threads = {}
setup = function(thread) threads[#threads + 1] = thread end

done = function(summary, latency, requests)
  local seconds = summary.duration / 1e6
  local e = summary.errors
  local counted = {}
  for _, thread in ipairs(threads) do
    for status, n in pairs(thread:get("statuses") or {}) do
      counted[status] = (counted[status] or 0) + n
    end
  end
  local codes = {}
  for status, n in pairs(counted) do codes[#codes + 1] = '"' .. status .. '": ' .. n end
  io.write(string.format(
    '{"requests": %d, "seconds": %.2f, "rps": %.1f, "p50_ms": %.2f, "p99_ms": %.2f, ' ..
    '"max_ms": %.2f, "socket_errors": %d, "non_2xx_3xx": %d, "statuses": {%s}}\n',
    summary.requests, seconds, summary.requests / seconds,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000,
    e.connect + e.read + e.write + e.timeout, e.status, table.concat(codes, ", ")))
end
