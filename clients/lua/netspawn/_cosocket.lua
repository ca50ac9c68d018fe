-- The OpenResty transport (private): ngx.socket.tcp cosockets, which yield
-- instead of blocking the nginx worker. The request is written by a light
-- thread while the reply is read, so that neither side waits for the other.
-- Times are in seconds; nil means no limit. Needs lua-nginx-module >= 0.10.14
-- (receiveany).

local ngx = ngx -- luacheck: ignore

local M = { name = "cosocket" }

--- Bytes asked for per read.
M.READ_SIZE = 64 * 1024

--- The longest timeout a cosocket takes, in milliseconds (about 24 days): "no limit".
local _FOREVER_MS = 2147483647

--- Seconds since the epoch, not cached.
function M.now()
  ngx.update_time()
  return ngx.now()
end

local function _ms(seconds)
  if seconds == nil then return _FOREVER_MS end
  local ms = math.ceil(seconds * 1000)
  if ms < 1 then return 1 end
  if ms > _FOREVER_MS then return _FOREVER_MS end
  return ms
end

local Conn = {}
Conn.__index = Conn

--- Connect to a parsed address.
-- @return a connection, or nil and the reason ("timeout" when `timeout` passed)
function M.connect(address, timeout)
  local sock, err = ngx.socket.tcp()
  if not sock then return nil, err end
  if not sock.receiveany then
    return nil, "netspawn needs lua-nginx-module 0.10.14 or later (tcpsock:receiveany)"
  end
  local ms = _ms(timeout)
  sock:settimeouts(ms, _FOREVER_MS, _FOREVER_MS)
  local ok
  if address.transport == "unix" then
    ok, err = sock:connect("unix:" .. address.path)
  else
    local host = address.host
    if host == "localhost" then host = "127.0.0.1" end -- cosockets resolve names only with a resolver
    if string.find(host, ":", 1, true) then host = "[" .. host .. "]" end
    ok, err = sock:connect(host, address.port)
  end
  if not ok then
    sock:close()
    return nil, err
  end
  return setmetatable({ sock = sock }, Conn)
end

--- Send all of `data`; `timeout` bounds each wait for progress. Any failure
-- closes the connection.
-- @return true, or nil and "timeout", "closed" or another reason
function Conn:send_all(data, timeout)
  local ms = _ms(timeout)
  self.sock:settimeouts(ms, ms, self.read_ms or _FOREVER_MS)
  self.send_ms = ms
  local bytes, err = self.sock:send(data)
  if bytes then return true end
  return nil, err
end

--- Bytes that are available (at most `max`), waiting up to `timeout` for the first.
-- @return the bytes, or nil and "timeout", "closed" or another reason
function Conn:receive_some(max, timeout)
  local ms = _ms(timeout)
  self.read_ms = ms
  self.sock:settimeouts(ms, self.send_ms or _FOREVER_MS, ms)
  return self.sock:receiveany(max)
end

--- Close.
function Conn:close()
  if self.closed then return end
  self.closed = true
  self.sock:close()
end

--- Cosockets have no file descriptor to give.
function Conn:getfd()
  return nil, "not supported on cosockets"
end

local function _writer(conn, next_out, timer)
  while true do
    local out = next_out()
    if out == false then return "writer", "aborted" end
    if out == nil then return "writer", "sent" end
    if #out > 0 then
      local ok = conn.sock:send(out)
      if not ok then return "writer", "failed" end -- the server stopped reading; the reply may still be complete
      timer:progress()
    end
  end
end

local function _reader(conn, on_in, timer)
  while true do
    local wait = timer:wait()
    if wait and wait <= 0 then return "reader", nil, "timeout" end
    local data, err = conn:receive_some(M.READ_SIZE, wait)
    if data then
      timer:progress()
      if on_in(data) then return "reader", true end
    elseif err == "closed" then
      if on_in(nil) then return "reader", true end
      return "reader", nil, "aborted"
    elseif err ~= "timeout" then
      if on_in(nil, err) then return "reader", true end
      return "reader", nil, "aborted"
    end
  end
end

--- Write what `next_out()` gives while reading into `on_in(data)`, until
-- `on_in` returns true (see the LuaSocket transport for the contract).
-- @return true, or nil and "timeout" or "aborted"
function M.pump(conn, next_out, on_in, timer)
  conn.sock:settimeouts(_FOREVER_MS, _FOREVER_MS, _FOREVER_MS)
  conn.send_ms = _FOREVER_MS -- the reader enforces the timer for both directions
  local writer = ngx.thread.spawn(_writer, conn, next_out, timer)
  local reader = ngx.thread.spawn(_reader, conn, on_in, timer)
  local result, err
  while true do
    local ok, who, a, b = ngx.thread.wait(writer, reader)
    if not ok then
      result, err = nil, "aborted"
      break
    end
    if who == "reader" then
      result, err = a, b
      reader = nil
      break
    end
    writer = nil
    if a == "aborted" then
      result, err = nil, "aborted"
      break
    end
    ok, who, a, b = ngx.thread.wait(reader)
    if not ok then
      result, err = nil, "aborted"
    else
      result, err = a, b
    end
    reader = nil
    break
  end
  if writer then ngx.thread.kill(writer) end
  if reader then ngx.thread.kill(reader) end
  return result, err
end

return M
