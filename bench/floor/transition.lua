-- Resolve and reopen the incidents of a pool, each with If-Match of the version it last saw.
--   wrk -t N -c N ... -s transition.lua <url> -- <pool file> N
-- The pool file has one "id version status" line per incident (status responding or
-- resolved); thread k of N takes every N-th line from the k-th. One connection per thread
-- (-c equal to -t), so that each answer belongs to the request before it: a 2xx moves the
-- incident to its new status and version (its ETag); anything else is counted by wrk as
-- non-2xx, and the runner says so.
-- wrk.format() replaces wrk's -H headers with the table it is given: keep them.
local function with_headers(extra)
  local headers = {}
  for name, value in pairs(wrk.headers) do headers[name] = value end
  for name, value in pairs(extra) do headers[name] = value end
  return headers
end

local threads = 0
local pool = {}
local i = 1

function setup(thread)
  thread:set("tid", threads)
  threads = threads + 1
end

function init(args)
  local nthreads = tonumber(args[2])
  local n = 0
  for line in io.lines(args[1]) do
    local id, version, status = line:match("^(%S+) (%d+) (%S+)$")
    if n % nthreads == tid then
      pool[#pool + 1] = {id = id, version = tonumber(version), status = status}
    end
    n = n + 1
  end
end

local BODIES = {
  responding = {"resolve", '{"resolution_summary": "Apology posted, thread calmed down."}'},
  resolved = {"reopen", '{"reason": "A new video revived the thread."}'},
}

function request()
  local incident = pool[i]
  local action = BODIES[incident.status]
  local headers = with_headers({
    ["Content-Type"] = "application/json",
    ["If-Match"] = '"' .. incident.version .. '"',
  })
  return wrk.format("POST", "/api/v1/incidents/" .. incident.id .. "/" .. action[1] .. "/",
    headers, action[2])
end

function response(status, headers, body)
  local incident = pool[i]
  if status == 200 then
    incident.version = tonumber((headers["ETag"] or headers["etag"]):match("%d+"))
    incident.status = incident.status == "responding" and "resolved" or "responding"
  end
  i = i % #pool + 1
end
