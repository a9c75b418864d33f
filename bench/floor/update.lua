-- PATCH one field (the title) of the incidents of a pool, in turn.
--   wrk ... -s update.lua <url> -- <pool file> <path prefix>
-- The pool file has one incident id first on each line.
-- wrk.format() replaces wrk's -H headers with the table it is given: keep them.
local function with_headers(extra)
  local headers = {}
  for name, value in pairs(wrk.headers) do headers[name] = value end
  for name, value in pairs(extra) do headers[name] = value end
  return headers
end

local pool = {}
local i = 0
local prefix
local counter = 0
local threads = 0

function setup(thread)
  thread:set("tid", threads)
  threads = threads + 1
end

function init(args)
  for line in io.lines(args[1]) do
    pool[#pool + 1] = line:match("^(%S+)")
  end
  prefix = args[2]
  i = (tid * 97) % #pool  -- the threads start apart, so they seldom wait on one row
end

function request()
  i = i % #pool + 1
  counter = counter + 1
  local body = string.format('{"title": "Bench title %d-%d"}', counter, math.random(1, 1000000000))
  return wrk.format("PATCH", prefix .. pool[i] .. "/", with_headers({["Content-Type"] = "application/json"}), body)
end
