--- lua-resty-exec 3.0.3's duplex interface (`resty.exec.socket`), on a
-- correct reader: swap `require("resty.exec.socket")` for
-- `require("netspawn.socket")`.
--
--     local exec_socket = require("netspawn.socket")
--     local client = exec_socket:new({ timeout = 60000 })
--     assert(client:connect("/run/netspawn.sock"))
--     client:send_args({ "cat" })
--     client:send("hello there")
--     local data, typ, err = client:receive() -- "hello there", "stdout", nil
--     client:send_close()
--     data, typ, err = client:receive()       -- "0", "exitcode", nil
--     data, typ, err = client:receive()       -- nil, nil, "closed"
--
-- `receive()` returns one whole pair: `data, typ` with `typ` one of `stdout`,
-- `stderr`, `exitcode` (data is the code as a string, e.g. `"0"`), `termsig`
-- (the signal's name, e.g. `"TERM"`); or `nil, nil, err`: `"closed"` at the
-- end of the reply, `"timeout"` when no whole pair came within the timeout
-- (what was read so far is kept: call `receive()` again), or a message when
-- the reply broke the protocol. Empty output pairs (a netspawn server's
-- probes) carry nothing and are skipped.
-- @module netspawn.socket

local address = require("netspawn.address")
local call = require("netspawn._call")
local request = require("netspawn.request")
local response = require("netspawn.response")

local _M = { _VERSION = "0.1.0" }
local mt = { __index = _M }

--- A client; `opts.timeout` is in milliseconds (default 60000). Call as
-- `exec_socket:new(opts)` (as lua-resty-exec documents) or `exec_socket.new(opts)`.
function _M.new(self, opts)
  if opts == nil and type(self) == "table" and self ~= _M then opts = self end
  local timeout = 60000
  if opts and opts.timeout then timeout = opts.timeout end
  return setmetatable({
    timeout = timeout,
    conn = nil,
    transport = call.transport(),
    args_sent = false,
    stdin_closed = false,
    closed = true,
  }, mt)
end

local function _seconds(self)
  local t = tonumber(self.timeout)
  if not t or t <= 0 then return nil end
  return t / 1000
end

--- Connect to a socket path (as lua-resty-exec takes it) or any netspawn
-- address (`unix:/path`, `tcp://host:port`, `[::1]:port`).
-- @return true, or nil and an error string
function _M.connect(self, uri)
  if self.conn then return nil, "user_error: already connected" end
  local where, why = address.parse(uri)
  if not where then return nil, "user_error: " .. why end
  local ok, conn, err = pcall(self.transport.connect, where, _seconds(self))
  if not ok then conn, err = nil, tostring(conn) end
  if not conn then return nil, err end
  self.conn = conn
  self.closed = false
  self.parser = response.new()
  self.pieces = {}
  return true, nil
end

local function _send(self, bytes)
  local ok, err = self.conn:send_all(bytes, _seconds(self))
  if not ok then
    self:close()
    return nil, "socket: " .. tostring(err)
  end
  return #bytes, nil
end

--- Send argc and argv (an array of strings) and start the program.
-- @return bytes sent, or nil and an error string
function _M.send_args(self, args)
  if self.args_sent then return nil, "user_error: args already sent" end
  if self.closed then return nil, "user_error: connection closed" end
  if type(args) ~= "table" or #args < 1 then return nil, "user_error: args must be array-like table" end
  local bytes, why = request.argv(args)
  if not bytes then return nil, "user_error: " .. why end
  self.args_sent = true
  return _send(self, bytes)
end

--- Send `data` to the program's stdin; the empty string closes stdin (once).
-- @return bytes sent, or nil and an error string
function _M.send_data(self, data)
  if self.closed then return nil, "user_error: connection closed" end
  if not self.args_sent then return nil, "user_error: must send args first" end
  if type(data) == "number" then data = tostring(data) end
  if type(data) ~= "string" then return nil, "user_error: data must be a string" end
  if self.stdin_closed then
    if #data == 0 then return 0, nil end
    return nil, "user_error: stdin already closed"
  end
  if #data == 0 then
    self.stdin_closed = true
    return _send(self, request.END)
  end
  return _send(self, request.chunk(data))
end

--- Close the program's stdin (sends the end marker once).
function _M.send_close(self)
  return _M.send_data(self, "")
end

--- Shortcut for `send_data`.
function _M.send(self, data)
  return _M.send_data(self, data)
end

-- The next whole pair from what was received: data, typ; or nil, nil, err; or nil (more input needed).
local function _next_pair(self)
  local parser, pieces = self.parser, self.pieces
  while true do
    local kind, a, b = parser:next()
    if kind == nil then return nil end
    if kind == "output" then
      pieces[#pieces + 1] = b
    elseif kind == "output-end" then
      if #pieces > 0 then
        local data = table.concat(pieces)
        self.pieces = {}
        return data, a
      end
    elseif kind == "status" then
      return tostring(b), a
    elseif kind == "end" then
      self.done = "closed"
      return nil, nil, "closed"
    else
      -- a reply that ends without a status is "closed" too, as lua-resty-exec says
      self.done = a.protocol_code == "CLOSED_WITHOUT_STATUS" and "closed" or ("protocol error: " .. a.message)
      return nil, nil, self.done
    end
  end
end

--- The next pair: `data, typ, nil`, or `nil, nil, err` (see the module documentation).
function _M.receive(self)
  if not self.args_sent then return nil, nil, "user_error: must send args first" end
  if self.done then return nil, nil, self.done end
  if not self.conn then return nil, nil, "closed" end
  local timer = call.timer(self.transport.now, _seconds(self), nil)
  while true do
    local data, typ, err = _next_pair(self)
    if data or err then
      if err then self:close() end
      return data, typ, err
    end
    local wait = timer:wait()
    if wait and wait <= 0 then return nil, nil, "timeout" end
    local bytes, why = self.conn:receive_some(self.transport.READ_SIZE, wait)
    if bytes then
      self.parser:push(bytes)
    elseif why == "timeout" then
      return nil, nil, "timeout"
    else
      self.parser:finish() -- "closed", or a reset: the reply ends here
    end
  end
end

--- Close the connection (the server then terminates a program still running).
function _M.close(self)
  self.closed = true
  if self.conn then
    self.conn:close(not self.done)
    self.conn = nil
  end
  return true
end

--- The socket's file descriptor (LuaSocket only), for the caller's select loop.
function _M.getfd(self)
  if not self.conn then return nil, "user_error: socket not setup" end
  return self.conn:getfd()
end

return _M
