--- netspawn: run programs on a netspawn or sockexec server, from Lua 5.1-5.4
-- and LuaJIT with LuaSocket, or inside OpenResty on cosockets (never blocking
-- the nginx worker). The transport is chosen where the call runs.
--
-- Two interfaces:
--
-- * `netspawn.exec(address, argv, options)`: the netspawn API, with typed
--   errors (`err.code`: CONNECT_FAILED, PROTOCOL_ERROR, TIMEOUT, ...);
-- * `netspawn.new(address)`: lua-resty-exec 3.0.3's interface, so that its
--   users switch by changing `require("resty.exec")` to `require("netspawn")`
--   (and `resty.exec.socket` to `netspawn.socket`), without its defects.
--
--     local netspawn = require("netspawn")
--     local res, err = netspawn.exec("unix:/run/netspawn.sock", { "uname", "-a" }, { timeout = 5000 })
--     if not res then error(tostring(err)) end
--     print(res.stdout, res.exit_code)
-- @module netspawn

local call = require("netspawn._call")
local errors = require("netspawn.errors")

local M = {
  _VERSION = "0.1.0",
  --- Error codes and error objects (see `netspawn.errors`).
  errors = errors,
  --- Default `max_output` of `exec`: 64 MiB.
  DEFAULT_MAX_OUTPUT = 64 * 1024 * 1024,
}

local function _invalid(message)
  return nil, errors.new("INVALID_ARGUMENT", message)
end

local function _check_callback(value, name)
  if value ~= nil and type(value) ~= "function" then return nil, name .. " must be a function" end
  return true
end

--- Run `argv` on the server at `address`, send `stdin`, and collect the output
-- until the reply is complete.
--
-- @param address `unix:/path`, a bare path, `tcp://host:port` or `[::1]:port`
-- @param argv the program and its arguments: an array of strings (no NUL
--   bytes), never run through a shell
-- @param options optional table:
--   `stdin` (a string, or a function returning strings and then nil),
--   `timeout` (milliseconds for the whole call; default none),
--   `stdout`, `stderr` (functions called with each piece of output as it
--   arrives; that stream is then not collected),
--   `max_output` (most bytes collected, stdout and stderr together; default
--   64 MiB; `false` for none)
-- @return `{stdout = string, stderr = string, exit_code = n or nil, signal = name or nil}`
--   (exactly one of `exit_code` and `signal` is set; a non-zero exit is a
--   result), or nil and an error object (`err.code`, `tostring(err)`)
function M.exec(address, argv, options)
  options = options or {}
  if type(options) ~= "table" then return _invalid("options must be a table") end
  local timeout = options.timeout
  if timeout ~= nil and (type(timeout) ~= "number" or timeout <= 0 or timeout ~= timeout) then
    return _invalid("timeout must be a positive number of milliseconds")
  end
  local ok, why = _check_callback(options.stdout, "stdout")
  if ok then ok, why = _check_callback(options.stderr, "stderr") end
  if not ok then return _invalid(why) end
  local max_output = options.max_output
  if max_output == nil then max_output = M.DEFAULT_MAX_OUTPUT end
  if max_output == false or max_output == math.huge then max_output = nil end
  if max_output ~= nil and (type(max_output) ~= "number" or max_output < 0) then
    return _invalid("max_output must be a number of bytes, or false")
  end
  local on_stdout, on_stderr = options.stdout, options.stderr
  local on_output
  if on_stdout or on_stderr then
    local collect = { stdout = {}, stderr = {} }
    on_output = function(stream, data)
      local fn = stream == "stdout" and on_stdout or on_stderr
      if fn then return fn(data) end
      local parts = collect[stream]
      parts[#parts + 1] = data
    end
    local result, err = M._run(address, argv, options.stdin, on_output, timeout, max_output, options._transport)
    if not result then return nil, err end
    result.stdout = on_stdout and "" or table.concat(collect.stdout)
    result.stderr = on_stderr and "" or table.concat(collect.stderr)
    return result
  end
  return M._run(address, argv, options.stdin, nil, timeout, max_output, options._transport)
end

function M._run(address, argv, stdin, on_output, timeout, max_output, transport)
  local result, err = call.run({
    address = address,
    argv = argv,
    stdin = stdin,
    on_output = on_output,
    total = timeout and timeout / 1000,
    timeout_ms = timeout,
    max_output = max_output,
    transport = transport, -- tests give a scripted one
  })
  if not result then return nil, err end
  local failed = call.spawn_failure(result)
  if failed then return nil, failed end
  return {
    stdout = result.stdout,
    stderr = result.stderr,
    exit_code = result.exit_code,
    signal = result.signal,
  }
end

-- lua-resty-exec's interface -------------------------------------------------

--- The error string of the lua-resty-exec style interface for an error object:
-- `"timeout"` for TIMEOUT (as lua-resty-exec says), the message otherwise.
local function _compat_error(err)
  if err.code == "TIMEOUT" then return "timeout" end
  return err.message
end

local function _exec(self, ...)
  local args = { ... }
  if #args > 0 then
    local first = args[1]
    if type(first) == "table" then
      if first.argv then
        if type(first.argv) == "table" then
          self.argv = first.argv
        else
          self.argv = { first.argv }
        end
      end
      if first.stdin then self.stdin = first.stdin end
      if first.timeout_fatal ~= nil then self.timeout_fatal = first.timeout_fatal end
      for _, name in ipairs({ "stdout", "stderr", "unknown" }) do
        if first[name] then
          if type(first[name]) ~= "function" then
            return nil, "invalid argument '" .. name .. "' (requires function)"
          end
          self[name] = first[name]
        end
      end
      if first.timeout then self.timeout = first.timeout end
      if first.bufsize then self.bufsize = first.bufsize end
    else
      self.argv = args
    end
  end
  if not self.argv or #self.argv <= 0 then return nil, "no arguments supplied" end

  local on_stdout, on_stderr = self.stdout, self.stderr
  local collected = { stdout = {}, stderr = {} }
  local on_output
  if on_stdout or on_stderr then
    on_output = function(stream, data)
      local fn = stream == "stdout" and on_stdout or on_stderr
      if fn then return fn(data) end
      local parts = collected[stream]
      parts[#parts + 1] = data
    end
  end
  local timeout = tonumber(self.timeout)
  local seconds = timeout and timeout > 0 and timeout / 1000 or nil
  local result, err = call.run({
    address = self._address,
    argv = self.argv,
    stdin = self.stdin,
    on_output = on_output,
    idle = self.timeout_fatal ~= false and seconds or nil,
    timeout_ms = timeout,
    transport = self._transport, -- tests give a scripted one
  })
  if not result then return nil, _compat_error(err) end
  local stdout, stderr = result.stdout, result.stderr
  if on_output then
    stdout = on_stdout and "" or table.concat(collected.stdout)
    stderr = on_stderr and "" or table.concat(collected.stderr)
  end
  return { stdout = stdout, stderr = stderr, exitcode = result.exit_code, termsig = result.signal }, nil
end

--- lua-resty-exec's `new`: a `prog` object for the server at `address` (a
-- socket path as lua-resty-exec takes it, or any netspawn address).
--
-- `prog(argv...)`, `prog({argv = ..., stdin = ..., stdout = fn, stderr = fn,
-- timeout = ms, timeout_fatal = bool, bufsize = n})` or `prog()` with
-- `prog.argv`, `prog.stdin`, `prog.stdout`, `prog.stderr`, `prog.timeout`
-- (default 60000 ms: the longest wait for the server to take stdin or send
-- output) and `prog.timeout_fatal` set beforehand (values given in a call are
-- kept on `prog`, as lua-resty-exec does). Returns
-- `{stdout = string, stderr = string, exitcode = n or nil, termsig = name or nil}`,
-- or nil and an error string (`"timeout"`, or a message).
--
-- Unlike lua-resty-exec 3.0.3: `termsig` is the signal's name (`"TERM"`);
-- large outputs and slow servers never lose their place in the reply; the
-- end of the reply is read however late it comes; empty stdin sends the end
-- marker once; stdin is written while the output is read, so large stdin
-- cannot deadlock; a reply without a status is an error, not a result.
-- @return the `prog` object, or nil and an error string
function M.new(address)
  if not address then return nil, "must supply an address" end
  local prog = {
    argv = nil,
    stdin = nil,
    stdout = nil,
    stderr = nil,
    unknown = nil,
    timeout = 60000,
    timeout_fatal = true,
    _address = address,
  }
  prog.exec = _exec
  return setmetatable(prog, {
    __call = function(self, ...)
      return _exec(self, ...)
    end,
  }), nil
end

return M
