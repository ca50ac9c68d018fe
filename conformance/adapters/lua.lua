-- Conformance adapter (netspawn-conformance-adapter/1, see ../README.md) for
-- the Lua client on LuaSocket, from its sources (clients/lua), under any Lua:
--   deno task conformance client --adapter 'lua5.4 conformance/adapters/lua.lua'
--   deno task conformance client --adapter 'luajit conformance/adapters/lua.lua'
-- Options: --dropin MODULE drives lua-resty-exec's interface of MODULE
-- (netspawn, or resty.exec); --lib DIR puts DIR first on package.path.
local here = string.match(debug.getinfo(1, "S").source, "^@(.*)/[^/]*$") or "."
package.path = here .. "/_lua/?.lua;" .. here .. "/../../clients/lua/?.lua;" .. package.path

local driver = require("driver")
local options = driver.options(arg)
local input = io.read("*a")
local ok, answer = xpcall(function() return driver.respond(input, options) end, function(e)
  return debug.traceback(tostring(e)) .. "\nerror: " .. tostring(e) -- the reason last: reports show the last lines
end)
if not ok then
  io.stderr:write("the library under test raised an error: ", tostring(answer), "\n")
  os.exit(1)
end
io.write(answer, "\n")
