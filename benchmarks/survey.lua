-- wrk script for benchmarks/survey_load.py (run wrk with -t 1: one Lua state).
--
-- args: METHOD TOKEN_FILE SESSION_FILE OFFSET MAX_REQUESTS
--   TOKEN_FILE:   one raw survey token a line; request k goes to token (OFFSET + k)
--   SESSION_FILE: "cookie<TAB>csrf_token" a line, one per virtual user, taken from a
--                 real GET of that app; request k carries virtual user k's cookie
--   MAX_REQUESTS: stop after this many responses even if the duration has not run out
-- done() prints one JSON line that survey_load.py parses.

local method, max_requests
local tokens, cookies, csrfs = {}, {}, {}
local index, received = 0, 0

-- The same answers every time: two ratings, two choices, one short comment.
local BODY = "respected=4&helped=5&pressure=no&doubtful_promise=no&promise_note="
  .. "&improve_comment=Listened+well+and+explained+the+options+clearly.&product_comment="

function init(args)
  method = args[1]
  for line in io.lines(args[2]) do tokens[#tokens + 1] = line end
  for line in io.lines(args[3]) do
    local cookie, csrf = line:match("([^\t]+)\t([^\t]+)")
    cookies[#cookies + 1] = cookie
    csrfs[#csrfs + 1] = csrf
  end
  index = tonumber(args[4])
  max_requests = tonumber(args[5])
end

function request()
  local token = tokens[(index % #tokens) + 1]
  local user = (index % #cookies) + 1
  index = index + 1
  local headers = { ["Cookie"] = cookies[user] }
  if method == "GET" then
    return wrk.format("GET", "/s/" .. token, headers)
  end
  headers["Content-Type"] = "application/x-www-form-urlencoded"
  return wrk.format("POST", "/s/" .. token, headers, BODY .. "&csrf_token=" .. csrfs[user])
end

function response(status, headers, body)
  received = received + 1
  if received >= max_requests then wrk.thread:stop() end
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests": %d, "duration_us": %d, "connect": %d, "read": %d, "write": %d, '
      .. '"status": %d, "timeout": %d, "p50_us": %d, "p99_us": %d, "mean_us": %.1f}\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(99), latency.mean))
end
