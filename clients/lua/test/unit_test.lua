-- Unit tests of the Lua client without a server: the parser and encoder on the
-- conformance kit's codec vectors (a Lua file written by lua_test.ts, named by
-- NETSPAWN_LUA_VECTORS), addresses, errors, and both interfaces on a scripted
-- transport.
--   lua5.4 clients/lua/test/unit_test.lua
dofile((string.match(arg[0], "^(.*)/[^/]*$") or ".") .. "/_paths.lua")

local t = require("runner")
local fake_transport = require("fake_transport")
local netspawn = require("netspawn")
local exec_socket = require("netspawn.socket")
local response = require("netspawn.response")
local request = require("netspawn.request")
local address = require("netspawn.address")
local errors = require("netspawn.errors")

-- Decode `input` fed in the given pieces; merged events as text lines, and the error.
local function decode(pieces, limits)
  local p = response.new(limits)
  local lines, err = {}, nil
  local function drain()
    while true do
      local kind, a, b = p:next()
      if kind == nil then return end
      if kind == "output" then
        local last = lines[#lines]
        if last and last.stream == a then
          last.data[#last.data + 1] = b
        else
          lines[#lines + 1] = { stream = a, data = { b } }
        end
      elseif kind == "status" then
        lines[#lines + 1] = a .. " " .. tostring(b)
      elseif kind == "end" then
        lines[#lines + 1] = "end"
        return
      elseif kind == "error" then
        err = a
        return
      end
    end
  end
  for _, piece in ipairs(pieces) do
    p:push(piece)
    drain()
    if err then break end
  end
  if not err then
    p:finish()
    drain()
  end
  local out = {}
  for _, line in ipairs(lines) do
    if type(line) == "table" then
      local data = table.concat(line.data)
      if #data > 0 then out[#out + 1] = line.stream .. " " .. response.show(data) end
    else
      out[#out + 1] = line
    end
  end
  -- adjacent data of one stream merged, as the vectors write events
  local merged = {}
  for _, line in ipairs(out) do
    local prev = merged[#merged]
    local s1, d1 = string.match(prev or "", "^(std%a+) (.*)$")
    local s2, d2 = string.match(line, "^(std%a+) (.*)$")
    if s1 and s2 and s1 == s2 then
      merged[#merged] = s1 .. " " .. d1 .. d2
    else
      merged[#merged + 1] = line
    end
  end
  return table.concat(merged, "\n"), err
end

local function expected_events(v)
  local out = {}
  for _, e in ipairs(v.events) do
    if e[1] == "stdout" or e[1] == "stderr" then
      if #e[2] > 0 then out[#out + 1] = e[1] .. " " .. response.show(e[2]) end
    elseif e[1] == "end" then
      out[#out + 1] = "end"
    else
      out[#out + 1] = e[1] .. " " .. tostring(e[2])
    end
  end
  return table.concat(out, "\n")
end

local function splits(input)
  local result = { { input } }
  local bytes = {}
  for i = 1, #input do bytes[i] = string.sub(input, i, i) end
  result[#result + 1] = bytes
  local step = #input > 4096 and math.floor(#input / 256) or 1
  for cut = 1, #input - 1, step do
    result[#result + 1] = { string.sub(input, 1, cut), string.sub(input, cut + 1) }
  end
  return result
end

local vectors_file = os.getenv("NETSPAWN_LUA_VECTORS")
if vectors_file then
  local vectors = dofile(vectors_file)
  t.test("every response decode vector, whole, byte by byte and split at every boundary ("
    .. #vectors.response .. " vectors)", function()
    for _, v in ipairs(vectors.response) do
      local want = expected_events(v)
      for _, pieces in ipairs(splits(v.input)) do
        local got, err = decode(pieces, v.limits)
        t.eq(got, want, v.id .. " events (" .. #pieces .. " pieces)")
        if v.error then
          t.ok(err, v.id .. ": expected error " .. v.error.code)
          t.eq(err.protocol_code, v.error.code, v.id .. " error code")
          if v.error.offset then t.eq(err.offset, v.error.offset, v.id .. " error offset") end
        else
          t.eq(err and err.message, nil, v.id .. " error")
        end
      end
    end
  end)
  t.test("every request encode vector (" .. #vectors.request .. " vectors)", function()
    for _, v in ipairs(vectors.request) do
      local head, why = request.argv(v.argv)
      if v.error then
        t.eq(head, nil, v.id)
        t.ok(why, v.id)
      else
        local parts = { t.ok(head, v.id .. ": " .. tostring(why)) }
        for _, chunk in ipairs(v.stdin or {}) do parts[#parts + 1] = request.chunk(chunk) end
        if v["end"] ~= false then parts[#parts + 1] = request.END end
        t.eq(table.concat(parts), v.bytes, v.id)
      end
    end
  end)
  t.test("the error codes are the protocol core's (" .. #vectors.protocol_codes .. ") and the client's", function()
    local mine = {}
    for _, code in ipairs(errors.PROTOCOL_CODES) do mine[code] = true end
    for _, code in ipairs(vectors.protocol_codes) do
      t.ok(mine[code], "protocol code " .. code .. " is not in netspawn.errors.PROTOCOL_CODES")
      mine[code] = nil
    end
    t.eq(next(mine), nil, "a code the protocol core does not have")
    for _, code in ipairs(vectors.client_codes) do
      if code ~= "STDIN_CLOSED" then t.ok(errors.CODES[code], "client code " .. code) end
    end
  end)
  t.test("the protocol core's spawn-failure example is SPAWN_FAILED", function()
    local fake = fake_transport.new({ vectors.spawn_failure.response })
    local res, err = netspawn.exec("/x.sock", vectors.spawn_failure.argv, { _transport = fake })
    t.fails("SPAWN_FAILED", res, err)
    t.eq(err.exit_code, 127)
    t.eq(err.server_message .. "\n", string.match(vectors.spawn_failure.response, "netspawn: cannot run [^\n]*\n"))
  end)
else
  t.skip("codec vectors", "NETSPAWN_LUA_VECTORS not set: run through clients/lua/lua_test.ts")
end

t.test("output is streamed: a 4 MiB pair in 1024 pieces never buffers more than a piece", function()
  local p = response.new()
  local size = 4 * 1024 * 1024
  p:push("6:stdout," .. size .. ":")
  local piece = string.rep("a", 4096)
  local got, biggest = 0, 0
  for _ = 1, 1024 do
    p:push(piece)
    if #p._buf > biggest then biggest = #p._buf end
    for kind, _, data in p:events() do
      if kind == "output" then got = got + #data end
    end
  end
  t.eq(got, size)
  t.ok(biggest <= #piece + 20, "buffered " .. biggest .. " bytes")
end)

t.test("limits: a length over max_length_digits and a payload over max_netstring_length", function()
  local _, err = decode({ "6:stdout,1234" }, { max_length_digits = 3 })
  t.eq(err.protocol_code, "LENGTH_TOO_LONG")
  t.eq(err.offset, 12)
  _, err = decode({ "6:stdout,99999999999999999999:" })
  t.eq(err.protocol_code, "PAYLOAD_TOO_LARGE")
  t.eq(err.offset, 16) -- the 8th digit makes it larger than 64 MiB
  _, err = decode({ "6:stdout,100:" }, { max_netstring_length = 99 })
  t.eq(err.protocol_code, "PAYLOAD_TOO_LARGE")
end)

t.test("addresses: every form of protocol/address.ts, and clear errors", function()
  local a = address.parse("unix:/run/x.sock")
  t.eq(a.transport, "unix")
  t.eq(a.path, "/run/x.sock")
  t.eq(address.parse("/run/x.sock").text, "unix:/run/x.sock")
  t.eq(address.parse("x.sock").path, "x.sock")
  a = address.parse("tcp://127.0.0.1:7000")
  t.eq(a.host, "127.0.0.1")
  t.eq(a.port, 7000)
  t.eq(address.parse("tcp://[::1]:7000").host, "::1")
  t.eq(address.parse("[::1]:7000").text, "tcp://[::1]:7000")
  t.eq(address.parse("tcp://localhost:1").text, "tcp://localhost:1")
  for _, bad in ipairs({ "", "unix:", "tcp://host", "tcp://::1:7", "tcp://h:0", "tcp://h:65536", "tcp://h:x", "[127.0.0.1]:1" }) do
    local r, why = address.parse(bad)
    t.eq(r, nil, bad)
    t.ok(string.find(why, "bad address", 1, true), why)
  end
end)

t.test("exec: INVALID_ARGUMENT for what the protocol cannot carry, before connecting", function()
  local fake = fake_transport.new({})
  t.fails("INVALID_ARGUMENT", netspawn.exec("/x.sock", {}, { _transport = fake }))
  t.fails("INVALID_ARGUMENT", netspawn.exec("/x.sock", { "a\0b" }, { _transport = fake }))
  t.fails("INVALID_ARGUMENT", netspawn.exec("tcp://x", { "true" }, { _transport = fake }))
  t.fails("INVALID_ARGUMENT", netspawn.exec("/x.sock", { "true" }, { timeout = -1, _transport = fake }))
  t.fails("INVALID_ARGUMENT", netspawn.exec("/x.sock", { "true" }, { stdin = 42, _transport = fake }))
  t.fails("INVALID_ARGUMENT", netspawn.exec("/x.sock", { "true" }, { stdout = "no", _transport = fake }))
  t.eq(fake.sent(), "")
end)

t.test("exec: a result, output after the status, empty pairs ignored", function()
  local fake = fake_transport.new({ "6:stdout,2:hi,6:stdout,0:,8:exitcode,1:3,", "6:stderr,1:e,", "closed" })
  local res = t.ok(netspawn.exec("/x.sock", { "echo", "hi" }, { _transport = fake }))
  t.eq(fake.sent(), "1:2,4:echo,2:hi,0:,")
  t.eq(res.stdout, "hi")
  t.eq(res.stderr, "e")
  t.eq(res.exit_code, 3)
  t.eq(res.signal, nil)
  t.eq(fake.aborted, 0)
end)

t.test("exec: typed errors for each way a reply can fail", function()
  local cases = {
    { { "closed" }, "CLOSED_WITHOUT_STATUS" },
    { { "6:stdout,2:hi,", "closed" }, "CLOSED_WITHOUT_STATUS" },
    { { "6:stdout,2:hi,", "reset" }, "CLOSED_WITHOUT_STATUS" },
    { { "8:exitcode,2:01," }, "PROTOCOL_ERROR", "BAD_EXITCODE" },
    { { "7:termsig,2:15," }, "PROTOCOL_ERROR", "BAD_TERMSIG" },
    { { "6:stdout,5:hel", "closed" }, "PROTOCOL_ERROR", "EOF_IN_PAYLOAD" },
    { { "6:stdout,", "timeout" }, "TIMEOUT" },
  }
  for _, c in ipairs(cases) do
    local fake = fake_transport.new(c[1])
    local err = t.fails(c[2], netspawn.exec("/x.sock", { "prog" }, { timeout = 1000, _transport = fake }))
    if c[3] then t.eq(err.protocol_code, c[3]) end
    t.eq(fake.aborted, 1, c[2] .. ": the connection is closed at once")
  end
  local fake = fake_transport.new({}, { connect_error = "connection refused" })
  local err = t.fails("CONNECT_FAILED", netspawn.exec("tcp://127.0.0.1:9", { "true" }, { _transport = fake }))
  t.eq(tostring(err), "cannot connect to tcp://127.0.0.1:9: connection refused")
end)

t.test("exec: stdin from a function, callbacks, OUTPUT_LIMIT and ABORTED", function()
  local chunks = { "ab", "", "c" }
  local fake = fake_transport.new({ "6:stdout,3:abc,6:stderr,1:x,8:exitcode,1:0,", "closed" })
  local seen = {}
  local res = t.ok(netspawn.exec("/x.sock", { "cat" }, {
    stdin = function() return table.remove(chunks, 1) end,
    stdout = function(data) seen[#seen + 1] = data end,
    _transport = fake,
  }))
  t.eq(fake.sent(), "1:1,3:cat,2:ab,1:c,0:,")
  t.eq(table.concat(seen), "abc")
  t.eq(res.stdout, "")
  t.eq(res.stderr, "x")
  fake = fake_transport.new({ "6:stdout,5:hello,8:exitcode,1:0,", "closed" })
  t.fails("OUTPUT_LIMIT", netspawn.exec("/x.sock", { "p" }, { max_output = 4, _transport = fake }))
  fake = fake_transport.new({ "6:stdout,5:hello,8:exitcode,1:0,", "closed" })
  local err = t.fails("ABORTED", netspawn.exec("/x.sock", { "p" }, {
    stdout = function() error("enough") end, _transport = fake,
  }))
  t.ok(string.find(tostring(err.cause), "enough", 1, true))
  fake = fake_transport.new({})
  t.fails("ABORTED", netspawn.exec("/x.sock", { "p" }, { stdin = function() error("no input") end, _transport = fake }))
end)

-- lua-resty-exec's interface ------------------------------------------------

local function prog_on(script)
  local fake = fake_transport.new(script)
  local prog = netspawn.new("/x.sock")
  prog._transport = fake
  return prog, fake
end

t.test("prog(): termsig is the signal's name (lua-resty-exec 3.0.3 gives nil)", function()
  local prog = prog_on({ "6:stdout,2:x\n,7:termsig,4:TERM,", "closed" })
  local res, err = prog("sh", "-c", "echo x; kill $$")
  t.eq(err, nil)
  t.eq(res.termsig, "TERM")
  t.eq(res.exitcode, nil)
  t.eq(res.stdout, "x\n")
  t.eq(res.stderr, "")
end)

t.test("prog(): empty stdin sends the end marker once (lua-resty-exec 3.0.3 sends it twice)", function()
  local prog, fake = prog_on({ "8:exitcode,1:0,", "closed" })
  prog.stdin = ""
  local res = t.ok(prog("cat"))
  t.eq(res.exitcode, 0)
  t.eq(fake.sent(), "1:1,3:cat,0:,")
end)

t.test("prog(): the interface of lua-resty-exec 3.0.3 (argv forms, kept settings, callbacks)", function()
  local prog, fake = prog_on({ "6:stdout,4:fun!,8:exitcode,1:0,", "closed" })
  local got = {}
  local res = t.ok(prog({ argv = "cat", stdin = "fun!", stdout = function(d) got[#got + 1] = d end }))
  t.eq(fake.sent(), "1:1,3:cat,4:fun!,0:,")
  t.eq(table.concat(got), "fun!")
  t.eq(res.stdout, "")
  t.eq(prog.argv[1], "cat")
  t.eq(prog.stdin, "fun!")
  local _, err = prog({ argv = { "x" }, stderr = "nope" })
  t.eq(err, "invalid argument 'stderr' (requires function)")
  local p2 = netspawn.new("/x.sock")
  _, err = p2()
  t.eq(err, "no arguments supplied")
  local p3, why = netspawn.new()
  t.eq(p3, nil)
  t.eq(why, "must supply an address")
  prog, fake = prog_on({ "8:exitcode,1:0,", "closed" })
  prog.argv = { "uname", "-a" }
  res = t.ok(prog:exec())
  t.eq(res.exitcode, 0)
  t.eq(fake.sent(), "1:2,5:uname,2:-a,0:,")
end)

t.test("prog(): errors are strings: timeout, no status, protocol error", function()
  local prog = prog_on({ "6:stdout,", "timeout" })
  local res, err = prog("sleep", "9")
  t.eq(res, nil)
  t.eq(err, "timeout")
  prog = prog_on({ "closed" })
  res, err = prog("/nonexistent")
  t.eq(res, nil)
  t.ok(string.find(err, "without a reply", 1, true), err)
  prog = prog_on({ "7:unknown,1:x," })
  res, err = prog("p")
  t.eq(res, nil)
  t.ok(string.find(err, "UNKNOWN_PAIR_TYPE", 1, true), err)
end)

t.test("netspawn.socket: a pair split across reads and timeouts keeps its place", function()
  local fake = fake_transport.new({
    "6:std", "timeout", "out,11:hello", "timeout", " world,6:stdout,0:,", "8:exitcode,1:0,", "closed",
  })
  local client = exec_socket:new({ timeout = 1000 })
  client.transport = fake
  t.ok(client:connect("/x.sock"))
  t.eq(client:send_args({ "cat" }), 10)
  local data, typ, err = client:receive()
  t.eq(err, "timeout")
  data, typ, err = client:receive()
  t.eq(err, "timeout")
  data, typ, err = client:receive()
  t.eq(data, "hello world")
  t.eq(typ, "stdout")
  t.eq(err, nil)
  data, typ = client:receive()
  t.eq(data, "0")
  t.eq(typ, "exitcode")
  data, typ, err = client:receive()
  t.eq(data, nil)
  t.eq(typ, nil)
  t.eq(err, "closed")
  data, typ, err = client:receive()
  t.eq(err, "closed")
end)

t.test("netspawn.socket: send rules (args once, empty data closes stdin once, nothing after)", function()
  local fake = fake_transport.new({ "7:termsig,4:KILL,", "closed" })
  local client = exec_socket.new({ timeout = 1000 })
  client.transport = fake
  local _, err = client:send_args({ "x" })
  t.eq(err, "user_error: connection closed")
  t.ok(client:connect("unix:/x.sock"))
  _, err = client:send("x")
  t.eq(err, "user_error: must send args first")
  _, err = client:send_args({})
  t.eq(err, "user_error: args must be array-like table")
  t.ok(client:send_args({ "cat" }))
  _, err = client:send_args({ "cat" })
  t.eq(err, "user_error: args already sent")
  t.eq(client:send("hi"), 5)
  t.eq(client:send_close(), 3)
  t.eq(client:send_close(), 0)
  _, err = client:send("late")
  t.eq(err, "user_error: stdin already closed")
  t.eq(fake.sent(), "1:1,3:cat,2:hi,0:,")
  local data, typ = client:receive()
  t.eq(data, "KILL")
  t.eq(typ, "termsig")
  t.eq(client:getfd(), 42)
  t.ok(client:close())
end)

t.test("netspawn.socket: a broken reply is an error string, and the connection is closed", function()
  local fake = fake_transport.new({ "6:stdout,2:hi;" })
  local client = exec_socket:new()
  client.transport = fake
  t.ok(client:connect("/x.sock"))
  t.ok(client:send_args({ "p" }))
  local data, typ, err = client:receive()
  t.eq(data, nil)
  t.eq(typ, nil)
  t.ok(string.find(err, "protocol error: MISSING_COMMA", 1, true), err)
  t.eq(fake.closed, 1)
end)

os.exit(t.run())
