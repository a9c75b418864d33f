-- POST a new incident with a fresh title each time.
--   wrk ... -s create.lua <url> -- <path> [extra JSON members, e.g. '"created_by": 3']
-- The Authorization header, if any, comes from wrk's -H.
-- wrk.format() replaces wrk's -H headers with the table it is given: keep them.
local function with_headers(extra)
  local headers = {}
  for name, value in pairs(wrk.headers) do headers[name] = value end
  for name, value in pairs(extra) do headers[name] = value end
  return headers
end

local counter = 0
local path, extra
local threads = 0

function setup(thread)
  threads = threads + 1
  thread:set("tid", threads)
end

function init(args)
  path = args[1]
  extra = args[2]
  if extra and extra ~= "" then extra = ", " .. extra else extra = "" end
end

function request()
  counter = counter + 1
  local body = string.format('{"title": "Bench incident %d-%d-%d"%s}', tid, counter,
    math.random(1, 1000000000), extra)
  return wrk.format("POST", path, with_headers({["Content-Type"] = "application/json"}), body)
end
