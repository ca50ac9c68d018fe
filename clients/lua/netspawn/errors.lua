--- Typed errors of the Lua client. A failed call returns `nil, err`, where
-- `err.code` is one of `CODES` (the same codes as the TypeScript client and
-- the conformance kit's adapter protocol) and `tostring(err)` is a one-line
-- message.
--
--     local res, err = netspawn.exec(address, { "true" })
--     if not res and err.code == "TIMEOUT" then ... end
-- @module netspawn.errors

local M = {}

--- Every error code, with what it means.
M.CODES = {
  CONNECT_FAILED = "The client could not connect to the address (no such socket, connection refused, unknown host...).",
  PROTOCOL_ERROR = "The server's bytes broke the protocol; `protocol_code` and `offset` say how and where.",
  TIMEOUT = "The call's timeout expired; the connection was closed, so the server terminates the program.",
  ABORTED = "A callback (stdin source, stdout or stderr handler) raised an error; `cause` holds it. "
    .. "The connection was closed, so the server terminates the program.",
  CLOSED_WITHOUT_STATUS = "The connection ended before any exitcode or termsig pair "
    .. "(a sockexec server replies this way when it cannot start the program).",
  SPAWN_FAILED = "A netspawn server could not start the program: exit code 127 (not found) or 126 "
    .. "(not executable) with a `netspawn: cannot run ...` line on stderr.",
  OUTPUT_LIMIT = "The program wrote more than `max_output` bytes (stdout and stderr together); "
    .. "the connection was closed, so the server terminates the program.",
  INVALID_ARGUMENT = "The caller passed something the protocol cannot carry (an empty argv, a NUL byte "
    .. "in an argument, a malformed address or option). Nothing was sent.",
}

--- The protocol core's codes a server's reply can break the protocol with
-- (`protocol/errors.ts`, netstring and response layers). CLOSED_WITHOUT_STATUS
-- is reported with its own client code, the others as PROTOCOL_ERROR.
M.PROTOCOL_CODES = {
  "BAD_LENGTH", "LEADING_ZERO", "LENGTH_TOO_LONG", "PAYLOAD_TOO_LARGE", "MISSING_COMMA", "EOF_IN_LENGTH",
  "EOF_IN_PAYLOAD", "UNKNOWN_PAIR_TYPE", "BAD_EXITCODE", "BAD_TERMSIG", "DUPLICATE_STATUS", "EOF_IN_PAIR",
  "CLOSED_WITHOUT_STATUS",
}

local Error = {}
Error.__index = Error
Error.__tostring = function(self)
  return self.message
end

--- A new error object: `code` from `CODES`, a one-line `message`, and extra
-- fields (`protocol_code`, `offset`, `address`, `reason`, `timeout`,
-- `bytes_received`, `exit_code`, `server_message`, `limit`, `cause`).
function M.new(code, message, fields)
  assert(M.CODES[code], "unknown error code " .. tostring(code))
  local e = { code = code, message = message }
  for k, v in pairs(fields or {}) do e[k] = v end
  return setmetatable(e, Error)
end

--- Whether `value` is an error object of this module.
function M.is_error(value)
  return getmetatable(value) == Error
end

return M
