-- The LuaSocket transport (private): blocking connects and a select() loop
-- that writes the request while it reads the reply, so that neither side
-- waits for the other. Times are in seconds; nil means no limit.

local socket = require("socket")

local M = { name = "luasocket" }

--- Bytes asked for per read.
M.READ_SIZE = 64 * 1024

--- Seconds since some fixed point.
M.now = socket.gettime

local Conn = {}
Conn.__index = Conn

local function _unix_socket()
  local ok, unix = pcall(require, "socket.unix")
  if not ok then return nil, "UNIX sockets need LuaSocket's socket.unix (Debian: lua-socket)" end
  if type(unix) == "table" and unix.stream then return unix.stream() end
  return unix()
end

--- Connect to a parsed address.
-- @return a connection, or nil and the reason ("timeout" when `timeout` passed)
function M.connect(address, timeout)
  local sock, err
  if address.transport == "unix" then
    sock, err = _unix_socket()
  else
    sock, err = socket.tcp()
  end
  if not sock then return nil, err end
  sock:settimeout(timeout)
  local ok
  if address.transport == "unix" then
    ok, err = sock:connect(address.path)
  else
    ok, err = sock:connect(address.host, address.port)
  end
  if not ok then
    sock:close()
    return nil, err
  end
  return setmetatable({ sock = sock, tcp = address.transport == "tcp" }, Conn)
end

--- Send all of `data`, waiting at most `timeout` at a time. Any failure leaves the
-- connection unusable.
-- @return true, or nil and "timeout", "closed" or another reason
function Conn:send_all(data, timeout)
  self.sock:settimeout(timeout)
  local last, err = self.sock:send(data)
  if last then return true end
  return nil, err
end

--- Bytes that are available (at most `max`), waiting up to `timeout` for the first.
-- @return the bytes, or nil and "timeout", "closed" or another reason
function Conn:receive_some(max, timeout)
  local sock = self.sock
  if not (sock.dirty and sock:dirty()) then
    local readable = socket.select({ sock }, nil, timeout)
    if #readable == 0 then return nil, "timeout" end
  end
  sock:settimeout(0)
  local data, err, partial = sock:receive(max)
  data = data or partial
  if data and #data > 0 then
    if err == "closed" then self.eof = true end
    return data
  end
  if self.eof then return nil, "closed" end
  return nil, err
end

--- Close; `abort` resets a TCP connection instead of closing it gracefully.
function Conn:close(abort)
  if self.closed then return end
  self.closed = true
  if abort and self.tcp then self.sock:setoption("linger", { on = true, timeout = 0 }) end
  self.sock:close()
end

--- The file descriptor (for select loops of the caller).
function Conn:getfd()
  return self.sock:getfd()
end

--- Write what `next_out()` gives while reading into `on_in(data)`, until
-- `on_in` returns true (it is called with nil at the end of input, and with
-- nil and a reason when the connection fails).
-- `next_out()` returns a string, nil when the request is complete, or false
-- to abort. `timer:wait()` gives the seconds the loop may wait now (nil: no
-- limit); `timer:progress()` is called whenever bytes move.
-- @return true, or nil and "timeout" or "aborted"
function M.pump(conn, next_out, on_in, timer)
  local sock = conn.sock
  sock:settimeout(0)
  local out, from = next_out(), 1
  local set = { sock }
  while true do
    if out == false then return nil, "aborted" end
    local wait = timer:wait()
    if wait and wait <= 0 then return nil, "timeout" end
    local readable, writable
    if sock.dirty and sock:dirty() then
      readable, writable = set, {}
    else
      readable, writable = socket.select(set, out and set or nil, wait)
    end
    if #readable > 0 then
      local data, err, partial = sock:receive(M.READ_SIZE)
      data = data or partial
      if data and #data > 0 then
        timer:progress()
        if on_in(data) then return true end
      end
      if err == "closed" then
        if on_in(nil) then return true end
        return nil, "aborted"
      elseif err and err ~= "timeout" then
        if on_in(nil, err) then return true end
        return nil, "aborted"
      end
    end
    if out and #writable > 0 then
      local last, err, partial = sock:send(out, from)
      last = last or partial
      if last and last >= from then timer:progress() end
      if last == #out then
        repeat
          out = next_out()
        until out ~= ""
        from = 1
      elseif err == "timeout" then
        from = last + 1
      else
        out = nil -- the server stopped reading (its program ended); the reply may still be complete
      end
    end
  end
end

return M
