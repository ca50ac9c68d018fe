-- One request from connect to the end of the reply (private): shared by
-- netspawn.exec and the lua-resty-exec style prog() calls.

local address = require("netspawn.address")
local errors = require("netspawn.errors")
local request = require("netspawn.request")
local response = require("netspawn.response")

local sub, concat = string.sub, table.concat

local M = {}

--- Bytes of stderr kept to recognise a netspawn server's "cannot run" line.
M.STDERR_HEAD = 4096

--- How a netspawn server's reason line starts when it cannot start a program.
M.SPAWN_FAILURE_PREFIX = "netspawn: cannot run "

--- The transport for where this code runs: cosockets inside OpenResty, LuaSocket elsewhere.
function M.transport()
  local ngx = rawget(_G, "ngx")
  if type(ngx) == "table" and type(ngx.socket) == "table" and ngx.socket.tcp then
    return require("netspawn._cosocket")
  end
  return require("netspawn._luasocket")
end

--- A timer for a call: `total` seconds for all of it and/or `idle` seconds
-- without any byte moving (nil: no limit).
function M.timer(now, total, idle)
  local start = now()
  return {
    now = now,
    deadline = total and start + total,
    idle = idle,
    last = start,
    progress = function(self)
      if self.idle then self.last = self.now() end
    end,
    wait = function(self)
      if not self.deadline and not self.idle then return nil end
      local t = self.now()
      local w = self.deadline and self.deadline - t
      if self.idle then
        local i = self.last + self.idle - t
        if w == nil or i < w then w = i end
      end
      return w
    end,
  }
end

--- The chunks of a stdin value: nil, a string, or a function returning
-- strings and then nil.
function M.stdin_source(stdin)
  if stdin == nil then
    return function() return nil end
  elseif type(stdin) == "string" then
    local pos, size = 1, request.CHUNK_SIZE
    return function()
      if pos > #stdin then return nil end
      local piece = sub(stdin, pos, pos + size - 1)
      pos = pos + size
      return piece
    end
  elseif type(stdin) == "function" then
    return stdin
  end
  return nil, "stdin must be a string or a function returning strings, not a " .. type(stdin)
end

local function _invalid(message)
  return nil, errors.new("INVALID_ARGUMENT", message)
end

--- Run one request.
-- `opts`: `address` (text), `argv`, `stdin`, `on_output(stream, data)` (nil: collect),
-- `total` and `idle` (seconds, see `timer`), `timeout_ms` (for messages),
-- `max_output` (bytes collected, nil: none), `transport` (default: `M.transport()`).
-- @return `{stdout, stderr, exit_code, signal, stdout_bytes, stderr_head}`, or nil and an error object
function M.run(opts)
  local where, why = address.parse(opts.address)
  if not where then return _invalid(why) end
  local head, bad = request.argv(opts.argv)
  if not head then return _invalid(bad) end
  local source, wrong = M.stdin_source(opts.stdin)
  if not source then return _invalid(wrong) end

  local transport = opts.transport or M.transport()
  local timer = M.timer(transport.now, opts.total, opts.idle)
  local ok, conn, reason = pcall(transport.connect, where, timer:wait())
  if not ok then conn, reason = nil, tostring(conn) end
  if not conn then
    if reason == "timeout" then
      return nil, errors.new("TIMEOUT", "timed out after " .. tostring(opts.timeout_ms) .. " ms (connecting)",
        { timeout = opts.timeout_ms })
    end
    return nil, errors.new("CONNECT_FAILED", "cannot connect to " .. where.text .. ": " .. tostring(reason),
      { address = where.text, reason = reason })
  end

  local parser = response.new()
  local out = { stdout = {}, stderr = {} }
  local state = {
    collected = 0,
    stdout_bytes = 0,
    stderr_head = {},
    stderr_head_bytes = 0,
  }
  local on_output = opts.on_output
  local max_output = opts.max_output

  local phase = "head"
  local function next_out()
    if phase == "head" then
      phase = "stdin"
      return head
    elseif phase == "stdin" then
      local good, chunk = pcall(source)
      if not good then
        state.abort = chunk
        return false
      end
      if chunk == nil then
        phase = "done"
        return request.END
      end
      if type(chunk) ~= "string" then
        state.abort = "the stdin function returned a " .. type(chunk) .. ", not a string"
        return false
      end
      return request.chunk(chunk)
    end
    return nil
  end

  local function output(stream, data)
    if stream == "stdout" then
      state.stdout_bytes = state.stdout_bytes + #data
    elseif state.stderr_head_bytes < M.STDERR_HEAD then
      local head_part = sub(data, 1, M.STDERR_HEAD - state.stderr_head_bytes)
      state.stderr_head[#state.stderr_head + 1] = head_part
      state.stderr_head_bytes = state.stderr_head_bytes + #head_part
    end
    if on_output then
      local good, err = pcall(on_output, stream, data)
      if not good then
        state.abort = err
        return true
      end
      return false
    end
    state.collected = state.collected + #data
    if max_output and state.collected > max_output then
      state.over_limit = true
      return true
    end
    local parts = out[stream]
    parts[#parts + 1] = data
    return false
  end

  local function on_in(data, err)
    if data then
      parser:push(data)
    else
      state.socket_error = err
      parser:finish()
    end
    while true do
      local kind, a, b = parser:next()
      if kind == nil then return false end
      if kind == "output" then
        if output(a, b) then return true end
      elseif kind == "status" then
        state.status_type, state.status_value = a, b
      elseif kind == "end" then
        state.complete = true
        return true
      elseif kind == "error" then
        state.protocol_error = a
        return true
      end
    end
  end

  local done, pump_err = transport.pump(conn, next_out, on_in, timer)
  conn:close(not state.complete)

  if done and state.complete then
    return {
      stdout = concat(out.stdout),
      stderr = concat(out.stderr),
      exit_code = state.status_type == "exitcode" and state.status_value or nil,
      signal = state.status_type == "termsig" and state.status_value or nil,
      stdout_bytes = state.stdout_bytes,
      stderr_head = concat(state.stderr_head),
    }
  end
  if state.abort ~= nil then
    return nil, errors.new("ABORTED", "aborted: " .. tostring(state.abort), { cause = state.abort })
  end
  if state.over_limit then
    return nil, errors.new("OUTPUT_LIMIT", "the program wrote more than max_output (" .. max_output
      .. " bytes); raise max_output, or stream with the stdout and stderr callbacks", { limit = max_output })
  end
  local perr = state.protocol_error
  if perr then
    local received = parser:offset()
    if perr.protocol_code == "CLOSED_WITHOUT_STATUS" then
      local message = received == 0
        and "the server closed the connection without a reply (a sockexec server does this when it cannot start "
          .. "the program)"
        or "the server closed the connection after " .. received .. " bytes, without an exit status"
      if state.socket_error then message = message .. " (" .. tostring(state.socket_error) .. ")" end
      return nil, errors.new("CLOSED_WITHOUT_STATUS", message, { bytes_received = received })
    end
    return nil, errors.new("PROTOCOL_ERROR", "the server's reply broke the protocol: " .. perr.message,
      { protocol_code = perr.protocol_code, offset = perr.offset })
  end
  if pump_err == "timeout" then
    return nil, errors.new("TIMEOUT", "timed out after " .. tostring(opts.timeout_ms) .. " ms",
      { timeout = opts.timeout_ms })
  end
  return nil, errors.new("ABORTED", "aborted: " .. tostring(pump_err), { cause = pump_err })
end

--- The spawn failure a result stands for, if it is a netspawn server's report
-- that the program could not be started: exit code 127 or 126, no stdout, and
-- stderr starting with `netspawn: cannot run `.
-- @return an error object, or nil
function M.spawn_failure(result)
  local code = result.exit_code
  if code ~= 127 and code ~= 126 then return nil end
  local head = result.stderr_head
  if result.stdout_bytes ~= 0 or sub(head, 1, #M.SPAWN_FAILURE_PREFIX) ~= M.SPAWN_FAILURE_PREFIX then return nil end
  local line = string.match(head, "^[^\n]*")
  return errors.new("SPAWN_FAILED", line, { exit_code = code, server_message = line })
end

return M
