-- A scripted in-memory transport for unit tests: records what the client
-- sends and replays the server's side as a list of reads.
--
--     local fake = require("fake_transport").new({ "6:std", "timeout", "out,2:hi,8:exitcode,1:0,", "closed" })
--
-- Each item is the bytes of one read, "timeout" (the read times out),
-- "closed" (end of input) or "reset" (a socket error). After the last item
-- the input ends. `fake.sent()` is everything the client sent.

local M = {}

function M.new(script, options)
  options = options or {}
  local T = { name = "fake", READ_SIZE = 65536, sent_parts = {}, closed = 0, aborted = 0 }
  local clock = 0
  function T.now()
    clock = clock + 0.001
    return clock
  end
  local index = 0
  local function next_read()
    index = index + 1
    local item = script[index]
    if item == nil or item == "closed" then return nil, "closed" end
    if item == "timeout" then return nil, "timeout" end
    if item == "reset" then return nil, "connection reset by peer" end
    return item
  end
  local conn = {}
  function conn.send_all(_, data)
    if options.send_error then return nil, options.send_error end
    T.sent_parts[#T.sent_parts + 1] = data
    return true
  end
  function conn.receive_some()
    return next_read()
  end
  function conn.close(_, abort)
    T.closed = T.closed + 1
    if abort then T.aborted = T.aborted + 1 end
  end
  function conn.getfd()
    return 42
  end
  function T.connect()
    if options.connect_error then return nil, options.connect_error end
    return conn
  end
  function T.pump(_, next_out, on_in)
    while true do
      local out = next_out()
      if out == false then return nil, "aborted" end
      if out == nil then break end
      T.sent_parts[#T.sent_parts + 1] = out
    end
    while true do
      local data, err = next_read()
      if data then
        if on_in(data) then return true end
      elseif err == "timeout" then
        return nil, "timeout"
      elseif err == "closed" then
        if on_in(nil) then return true end
        return nil, "aborted"
      else
        if on_in(nil, err) then return true end
        return nil, "aborted"
      end
    end
  end
  function T.sent()
    return table.concat(T.sent_parts)
  end
  return T
end

return M
