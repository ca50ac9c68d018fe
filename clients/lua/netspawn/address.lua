--- Server addresses as text, the forms of `protocol/address.ts`:
--
-- | text | meaning |
-- |---|---|
-- | `unix:/run/netspawn.sock` | a UNIX socket |
-- | `/run/netspawn.sock`, `./x.sock` | a bare path: a UNIX socket |
-- | `tcp://127.0.0.1:7000`, `tcp://localhost:7000` | TCP |
-- | `tcp://[::1]:7000`, `[::1]:7000` | TCP over IPv6 |
--
--     local a = require("netspawn.address").parse("tcp://[::1]:7000")
--     -- { transport = "tcp", host = "::1", port = 7000 }
-- @module netspawn.address

local M = {}

local function _host_port(rest)
  local host, port
  if string.sub(rest, 1, 1) == "[" then
    host, port = string.match(rest, "^%[([^%]]*)%]:(.*)$")
    if host == nil then return nil, "expected [IPV6]:PORT" end
    if not string.find(host, ":", 1, true) then return nil, "brackets are for IPv6 addresses only" end
  else
    host, port = string.match(rest, "^(.*):([^:]*)$")
    if host == nil then return nil, "expected HOST:PORT" end
    if string.find(host, ":", 1, true) then return nil, "write an IPv6 address in brackets: tcp://[::1]:PORT" end
  end
  if host == "" or string.find(host, "[%s/]") then return nil, "the host is empty or malformed" end
  local n = string.find(port, "^%d%d?%d?%d?%d?$") and tonumber(port)
  if not n or n < 1 or n > 65535 then
    return nil, 'the port must be a number from 1 to 65535, got "' .. port .. '"'
  end
  return { transport = "tcp", host = host, port = n }
end

--- Parse an address.
-- @return `{transport = "unix", path = ...}` or `{transport = "tcp", host = ..., port = ...}`
--   (with `text`, the canonical form), or nil and a message
function M.parse(text)
  if type(text) ~= "string" or text == "" then return nil, "bad address: an address must be a non-empty string" end
  local result, why
  if string.sub(text, 1, 5) == "unix:" then
    local path = string.sub(text, 6)
    if path == "" then
      why = "the socket path is empty"
    else
      result = { transport = "unix", path = path }
    end
  elseif string.sub(text, 1, 6) == "tcp://" then
    result, why = _host_port(string.sub(text, 7))
  elseif string.sub(text, 1, 1) == "[" then
    result, why = _host_port(text)
  else
    result = { transport = "unix", path = text }
  end
  if not result then return nil, 'bad address "' .. text .. '": ' .. why end
  result.text = M.format(result)
  return result
end

--- The canonical text of a parsed address: `unix:PATH`, `tcp://HOST:PORT`, `tcp://[V6]:PORT`.
function M.format(address)
  if address.transport == "unix" then return "unix:" .. address.path end
  local host = address.host
  if string.find(host, ":", 1, true) then host = "[" .. host .. "]" end
  return "tcp://" .. host .. ":" .. address.port
end

return M
