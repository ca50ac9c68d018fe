-- The netspawn-conformance-adapter/1 logic for Lua clients (see
-- conformance/README.md), shared by lua.lua (LuaSocket) and resty.sh (inside
-- nginx, on cosockets). Two interfaces can be driven:
--
-- * "native": netspawn.exec, whose error codes are the adapter's categories;
-- * "dropin": lua-resty-exec's interface (`require(MODULE).new(path)`, then
--   `prog()`), used exactly as its users do; MODULE is `netspawn` (netspawn's
--   drop-in) or `resty.exec` (the real lua-resty-exec). Its results and error
--   strings are translated to categories the way a user would read them.
--
-- `respond(input_json, options)` returns the JSON line to print, or raises
-- when the library crashed (the adapter then exits non-zero: a broken run).

local base64 = require("base64")
local json = require("json")

local M = {}

local RESULT_KEYS = { "ok", "stdout", "stderr", "exitCode", "signal" }
local ERROR_KEYS = { "ok", "error", "detail", "message" }

local function _result(stdout, stderr, exit_code, signal)
  return json.encode({
    ok = true,
    stdout = base64.encode(stdout or ""),
    stderr = base64.encode(stderr or ""),
    exitCode = exit_code == nil and json.null or exit_code,
    signal = signal == nil and json.null or signal,
  }, RESULT_KEYS)
end

local function _error(category, message, detail)
  return json.encode({ ok = false, error = category, detail = detail, message = message }, ERROR_KEYS)
end

local function _request(input_text)
  local input = json.decode(input_text)
  if input.protocol ~= "netspawn-conformance-adapter/1" then
    return nil, _error("UNSUPPORTED", "unknown protocol " .. tostring(input.protocol))
  end
  local argv = {}
  for i, a in ipairs(input.argv) do argv[i] = assert(base64.decode(a)) end
  local stdin = input.stdin
  if stdin == json.null then stdin = nil else stdin = assert(base64.decode(stdin)) end
  local timeout = input.timeoutMs
  if timeout == json.null then timeout = nil end
  return { address = input.address, argv = argv, stdin = stdin, timeout = timeout }
end

local CATEGORIES = {
  CONNECT_FAILED = true,
  PROTOCOL_ERROR = true,
  CLOSED_WITHOUT_STATUS = true,
  TIMEOUT = true,
  SPAWN_FAILED = true,
}

local function _native(req)
  local netspawn = require("netspawn")
  local res, err = netspawn.exec(req.address, req.argv, { stdin = req.stdin, timeout = req.timeout, max_output = false })
  if res then return _result(res.stdout, res.stderr, res.exit_code, res.signal) end
  if err.code == "INVALID_ARGUMENT" then return _error("UNSUPPORTED", tostring(err)) end
  if not CATEGORIES[err.code] then error("netspawn.exec failed with " .. err.code .. ": " .. tostring(err)) end
  return _error(err.code, tostring(err), err.protocol_code)
end

-- How a lua-resty-exec user reads an error string.
local function _category(message)
  local m = string.lower(message)
  if m == "timeout" then return "TIMEOUT" end
  if string.find(m, "cannot connect", 1, true) or string.find(m, "no such file", 1, true)
    or string.find(m, "refused", 1, true) or string.find(m, "permission denied", 1, true) then
    return "CONNECT_FAILED"
  end
  if string.find(m, "without a reply", 1, true) or string.find(m, "without an exit status", 1, true) then
    return "CLOSED_WITHOUT_STATUS"
  end
  if string.find(m, "protocol", 1, true) or string.find(m, "netstring", 1, true) then return "PROTOCOL_ERROR" end
  return nil
end

local function _dropin(req, module)
  local exec = require(module)
  local target = req.address
  if module == "resty.exec" then
    -- lua-resty-exec takes a UNIX socket path, nothing else
    local path = string.match(target, "^unix:(.*)$")
    if not path then return _error("UNSUPPORTED", "lua-resty-exec connects to UNIX socket paths only") end
    target = path
  end
  local prog, err = exec.new(target)
  if not prog then error("new() failed: " .. tostring(err)) end
  prog.argv = req.argv
  if req.stdin then prog.stdin = req.stdin end
  if req.timeout then prog.timeout = req.timeout end
  local res
  res, err = prog()
  if res == nil then
    local category = _category(tostring(err))
    if not category then error(module .. " returned an error string no user can classify: " .. tostring(err)) end
    return _error(category, tostring(err))
  end
  if res.exitcode ~= nil then return _result(res.stdout, res.stderr, res.exitcode, nil) end
  if res.termsig ~= nil then return _result(res.stdout, res.stderr, nil, tostring(res.termsig)) end
  return _error("CLOSED_WITHOUT_STATUS", "the result has neither exitcode nor termsig (stdout "
    .. #(res.stdout or "") .. " bytes, stderr " .. #(res.stderr or "") .. " bytes)")
end

--- The adapter's answer (one JSON line) to one request.
-- `options.api`: "native" (default) or "dropin"; `options.module`: the drop-in's module name.
function M.respond(input_text, options)
  options = options or {}
  local req, refusal = _request(input_text)
  if not req then return refusal end
  if options.api == "dropin" then return _dropin(req, options.module or "netspawn") end
  return _native(req)
end

--- Parse the adapters' options: `--dropin MODULE`, `--lib DIR` (prepended to package.path).
function M.options(args)
  local options = { api = "native" }
  local i = 1
  while i <= #args do
    local a = args[i]
    if a == "--dropin" then
      options.api, options.module = "dropin", args[i + 1]
      i = i + 2
    elseif a == "--lib" then
      options.lib = args[i + 1]
      i = i + 2
    else
      error("unknown option " .. tostring(a) .. " (use --dropin MODULE, --lib DIR)")
    end
  end
  if options.lib then package.path = options.lib .. "/?.lua;" .. package.path end
  return options
end

return M
