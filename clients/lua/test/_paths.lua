-- Puts the client (clients/lua) and the test helpers (clients/lua/test) on
-- package.path, found from this file's own location.
local here = string.match(debug.getinfo(1, "S").source, "^@(.*)/[^/]*$") or "."
local root = here .. "/.."
package.path = here .. "/?.lua;" .. root .. "/?.lua;" .. package.path
return { test = here, client = root }
