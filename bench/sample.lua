-- wrk script: every request as a random bench user, on a random one of that user's sampled
-- emails or contacts (bench/targets.py writes the targets).
-- Env: TARGETS (targets.lua), PREFIX_FILE (the request body up to its variables:
-- `{"query":"…","variables":`), TARGET (none | email | contact: what `$id`/`$contactId` names),
-- SEARCH (the contacts search term).
local targets = dofile(os.getenv("TARGETS"))
local f = assert(io.open(os.getenv("PREFIX_FILE"), "rb"))
local prefix = f:read("*a")
f:close()
local target = os.getenv("TARGET") or "none"
local search = os.getenv("SEARCH") or ""

function init(args)
  math.randomseed(os.time() + math.random(1, 1e6))
end

function request()
  local t = targets[math.random(1, #targets)]
  local vars
  if target == "email" then vars = '{"id":"' .. t.emails[math.random(1, #t.emails)] .. '"}'
  elseif target == "contact" then vars = '{"contactId":"' .. t.contacts[math.random(1, #t.contacts)] .. '"}'
  elseif target == "search" then vars = '{"search":"' .. search .. '"}'
  else vars = "{}" end
  return wrk.format("POST", "/graphql",
    {["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. t.token}, prefix .. vars .. "}")
end
