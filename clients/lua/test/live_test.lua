-- End-to-end tests of the Lua client against a running netspawn server, on
-- LuaSocket. NETSPAWN_TEST_ADDRESSES lists the server's addresses, separated
-- by spaces (clients/lua/lua_test.ts starts a server and sets it).
--   NETSPAWN_TEST_ADDRESSES="unix:/tmp/x/s.sock tcp://127.0.0.1:7000" lua5.4 clients/lua/test/live_test.lua
dofile((string.match(arg[0], "^(.*)/[^/]*$") or ".") .. "/_paths.lua")

local t = require("runner")
local netspawn = require("netspawn")
local exec_socket = require("netspawn.socket")

local addresses = {}
for a in string.gmatch(os.getenv("NETSPAWN_TEST_ADDRESSES") or "", "%S+") do addresses[#addresses + 1] = a end
if #addresses == 0 then
  print("NETSPAWN_TEST_ADDRESSES is not set: run through clients/lua/lua_test.ts")
  os.exit(2)
end

local ALL_BYTES = {}
for i = 0, 255 do ALL_BYTES[#ALL_BYTES + 1] = string.char(i) end
ALL_BYTES = table.concat(ALL_BYTES)

for _, addr in ipairs(addresses) do
  local kind = string.match(addr, "^(%a+):")

  t.test(kind .. ": exec: output, exit codes and stderr", function()
    local res = t.ok(netspawn.exec(addr, { "echo", "hello" }))
    t.eq(res.stdout, "hello\n")
    t.eq(res.exit_code, 0)
    t.eq(res.signal, nil)
    res = t.ok(netspawn.exec(addr, { "sh", "-c", "echo out; echo err >&2; exit 42" }))
    t.eq(res.stdout, "out\n")
    t.eq(res.stderr, "err\n")
    t.eq(res.exit_code, 42)
  end)

  t.test(kind .. ": exec: every byte value in an argument, in stdin and in the output", function()
    local arg = string.sub(ALL_BYTES, 2) -- no NUL in arguments
    local res = t.ok(netspawn.exec(addr, { "printf", "%s", arg }))
    t.eq(res.stdout, arg)
    res = t.ok(netspawn.exec(addr, { "cat" }, { stdin = ALL_BYTES }))
    t.eq(res.stdout, ALL_BYTES)
    res = t.ok(netspawn.exec(addr, { "echo", "h\195\169llo \226\156\147" }))
    t.eq(res.stdout, "h\195\169llo \226\156\147\n")
  end)

  t.test(kind .. ": exec: a signal, a missing program, a program that may not run", function()
    local res = t.ok(netspawn.exec(addr, { "sh", "-c", "echo x; kill -KILL $$" }))
    t.eq(res.signal, "KILL")
    t.eq(res.exit_code, nil)
    t.eq(res.stdout, "x\n")
    local err = t.fails("SPAWN_FAILED", netspawn.exec(addr, { "/nonexistent/cmd" }))
    t.eq(err.exit_code, 127)
    t.eq(tostring(err), "netspawn: cannot run /nonexistent/cmd: program not found")
    err = t.fails("SPAWN_FAILED", netspawn.exec(addr, { "/etc/passwd" }))
    t.eq(err.exit_code, 126)
  end)

  t.test(kind .. ": exec: a timeout closes the connection and says TIMEOUT", function()
    local start = os.time()
    local err = t.fails("TIMEOUT", netspawn.exec(addr, { "sleep", "10" }, { timeout = 300 }))
    t.eq(err.timeout, 300)
    t.ok(os.time() - start <= 2, "took too long")
    local res = t.ok(netspawn.exec(addr, { "sh", "-c", "sleep 0.2; echo late" }, { timeout = 5000 }))
    t.eq(res.stdout, "late\n")
  end)

  t.test(kind .. ": exec: 8 MiB of stdin echoed by cat (written while the output is read)", function()
    local data = string.rep("0123456789abcdef", 512 * 1024)
    local res = t.ok(netspawn.exec(addr, { "cat" }, { stdin = data, timeout = 30000 }))
    t.eq(#res.stdout, #data)
    t.ok(res.stdout == data, "the echo differs")
  end)

  t.test(kind .. ": exec: a program that ends without reading 8 MiB of stdin", function()
    local data = string.rep("x", 8 * 1024 * 1024)
    local res = t.ok(netspawn.exec(addr, { "head", "-c", "10" }, { stdin = data, timeout = 30000 }))
    t.eq(res.stdout, "xxxxxxxxxx")
    t.eq(res.exit_code, 0)
    res = t.ok(netspawn.exec(addr, { "true" }, { stdin = data, timeout = 30000 }))
    t.eq(res.exit_code, 0)
  end)

  t.test(kind .. ": exec: 100 MB streamed through callbacks with bounded memory", function()
    collectgarbage("collect")
    local before, peak, total, calls = collectgarbage("count"), 0, 0, 0
    local res = t.ok(netspawn.exec(addr, { "head", "-c", "100000000", "/dev/zero" }, {
      timeout = 60000,
      stdout = function(data)
        total = total + #data
        calls = calls + 1
        if calls % 256 == 0 then -- what is still referenced, not garbage waiting for the collector
          collectgarbage("collect")
          local kb = collectgarbage("count")
          if kb > peak then peak = kb end
        end
      end,
    }))
    t.eq(res.exit_code, 0)
    t.eq(total, 100000000)
    t.ok(calls >= 256, "too few pieces to sample: " .. calls)
    t.ok(peak - before < 4 * 1024, string.format("live memory grew by %.0f KiB", peak - before))
  end)

  t.test(kind .. ": exec: 32 MB of stdin from a function, counted by wc", function()
    local block, left = string.rep("z", 65536), 32 * 1000 * 1000
    local res = t.ok(netspawn.exec(addr, { "wc", "-c" }, {
      timeout = 60000,
      stdin = function()
        if left <= 0 then return nil end
        local n = left < #block and left or #block
        left = left - n
        return n == #block and block or string.sub(block, 1, n)
      end,
    }))
    t.eq(res.stdout, "32000000\n")
  end)

  t.test(kind .. ": prog(): lua-resty-exec's interface on a real server", function()
    local prog = t.ok(netspawn.new(addr))
    local res, err = prog("uname")
    t.eq(err, nil)
    t.eq(res.exitcode, 0)
    t.ok(#res.stdout > 0)
    prog.stdin = "this is neat!"
    res = t.ok(prog("cat"))
    t.eq(res.stdout, "this is neat!")
    res = t.ok(prog({ argv = { "sh", "-c", "kill $$" }, stdin = "" }))
    t.eq(res.termsig, "TERM")
    t.eq(res.exitcode, nil)
    res = t.ok(prog("/nonexistent/cmd"))
    t.eq(res.exitcode, 127)
    t.eq(res.stderr, "netspawn: cannot run /nonexistent/cmd: program not found\n")
    prog.timeout = 300
    res, err = prog("sleep", "10")
    t.eq(res, nil)
    t.eq(err, "timeout")
  end)

  t.test(kind .. ": prog(): 8 MiB of stdin through cat does not deadlock", function()
    local prog = t.ok(netspawn.new(addr))
    local data = string.rep("fedcba9876543210", 512 * 1024)
    prog.stdin = data
    local res, err = prog("cat")
    t.eq(err, nil)
    t.ok(res.stdout == data, "the echo differs")
  end)

  t.test(kind .. ": netspawn.socket: a duplex conversation with cat", function()
    local client = exec_socket:new({ timeout = 5000 })
    t.ok(client:connect(addr))
    t.ok(client:send_args({ "cat" }))
    t.ok(client:send("hello there"))
    local data, typ, err = client:receive()
    t.eq(err, nil)
    t.eq(typ, "stdout")
    t.eq(data, "hello there")
    t.ok(client:send("hey this cat process is still running"))
    data, typ = client:receive()
    t.eq(data, "hey this cat process is still running")
    t.ok(client:send_close())
    data, typ, err = client:receive()
    t.eq(typ, "exitcode")
    t.eq(data, "0")
    data, typ, err = client:receive()
    t.eq(err, "closed")
    client:close()
  end)

  t.test(kind .. ": netspawn.socket: a large pair arrives whole, and the end is closed, not timeout", function()
    local client = exec_socket:new({ timeout = 10000 })
    t.ok(client:connect(addr))
    t.ok(client:send_args({ "head", "-c", "1048576", "/dev/zero" }))
    t.ok(client:send_close())
    local total, status = 0, nil
    while true do
      local data, typ, err = client:receive()
      if err then
        t.eq(err, "closed")
        break
      end
      if typ == "stdout" then total = total + #data else status = typ .. " " .. data end
    end
    t.eq(total, 1048576)
    t.eq(status, "exitcode 0")
  end)
end

os.exit(t.run())
