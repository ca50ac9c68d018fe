-- The HTTP endpoints clients/lua/nginx_test.ts calls inside a real nginx: each
-- runs a program through netspawn (address in $netspawn) on cosockets, with
-- lua-resty-exec's interface (`require("netspawn")` in place of
-- `require("resty.exec")`) or, for /native/*, with netspawn.exec.
local netspawn = require("netspawn")

local M = {}

local function fail(status, message)
  ngx.status = status
  ngx.say(message)
  return ngx.exit(status)
end

local function prog()
  local p, err = netspawn.new(ngx.var.netspawn)
  if not p then return fail(500, err) end
  return p
end

local function say_result(res, err)
  if not res then return fail(502, "error: " .. tostring(err)) end
  ngx.say("exitcode=", tostring(res.exitcode), " termsig=", tostring(res.termsig),
    " stdout=", #res.stdout, " stderr=", res.stderr)
end

local routes = {}

-- Which transport the client chose here.
routes["/transport"] = function()
  ngx.print(require("netspawn._call").transport().name)
end

routes["/small"] = function()
  local res, err = prog()("echo", "hello from netspawn")
  if not res then return fail(502, "error: " .. tostring(err)) end
  ngx.print(res.stdout)
end

-- ?bytes=N: N bytes of "0123456789abcdef\n" repeated, from sh.
routes["/big"] = function()
  local n = tonumber(ngx.var.arg_bytes)
  local res, err = prog()("sh", "-c", "yes 0123456789abcdef | head -c " .. n)
  if not res then return fail(502, "error: " .. tostring(err)) end
  if res.exitcode ~= 0 then return fail(502, "exitcode " .. tostring(res.exitcode) .. ": " .. res.stderr) end
  ngx.print(res.stdout)
end

-- The request body through cat.
routes["/cat"] = function()
  ngx.req.read_body()
  local body = ngx.req.get_body_data()
  if not body then
    local file = ngx.req.get_body_file()
    if file then
      local f = assert(io.open(file, "rb"))
      body = f:read("*a")
      f:close()
    end
  end
  local p = prog()
  p.stdin = body or ""
  local res, err = p("cat")
  if not res then return fail(502, "error: " .. tostring(err)) end
  ngx.print(res.stdout)
end

-- Output streamed to the HTTP client as it comes (stdout callback, flushed).
routes["/stream"] = function()
  local p = prog()
  p.stdout = function(data)
    ngx.print(data)
    ngx.flush(true)
  end
  local res, err = p("sh", "-c", "echo one; sleep 0.5; echo two")
  if not res then return ngx.print("error: " .. tostring(err)) end
  ngx.print("exitcode=", tostring(res.exitcode), " stdout=", #res.stdout, "\n")
end

routes["/missing"] = function()
  say_result(prog()("/nonexistent/cmd"))
end

routes["/signal"] = function()
  say_result(prog()("sh", "-c", "kill -TERM $$"))
end

routes["/timeout"] = function()
  local p = prog()
  p.timeout = 300
  local res, err = p("sleep", "10")
  if res then return fail(500, "expected a timeout") end
  ngx.say(err)
end

routes["/native/missing"] = function()
  local res, err = netspawn.exec(ngx.var.netspawn, { "/nonexistent/cmd" })
  if res then return fail(500, "expected an error") end
  ngx.say(err.code, " ", tostring(err))
end

routes["/native/timeout"] = function()
  local res, err = netspawn.exec(ngx.var.netspawn, { "sleep", "10" }, { timeout = 300 })
  if res then return fail(500, "expected an error") end
  ngx.say(err.code, " ", tostring(err))
end

--- Serve the request by its URI.
function M.handle()
  local route = routes[ngx.var.uri]
  if not route then return fail(404, "no such route") end
  return route()
end

return M
