--- The client's side of a response, without I/O: bytes from the server in,
-- events out. The same rules as `protocol/response_parser.ts` (its states,
-- error codes and offsets), so every split of the input gives the same events.
--
--     local response = require("netspawn.response")
--     local parser = response.new()
--     parser:push("6:stdout,3:hi\n,8:exitcode,1:0,")
--     parser:finish()
--     for kind, a, b in parser:events() do print(kind, a, b) end
--     -- output stdout hi\n / output-end stdout / status exitcode 0 / end
--
-- Events (`kind, a, b` from `parser:next()`):
--
-- * `"output", stream, data`: bytes of an output pair (`stream` is `"stdout"`
--   or `"stderr"`), as they arrive; one pair may give several events;
-- * `"output-end", stream`: that output pair is complete;
-- * `"status", "exitcode", number` or `"status", "termsig", name`;
-- * `"end"`: input ended after the status: the response is complete;
-- * `"error", err`: the response broke the protocol (`err.protocol_code`,
--   `err.offset`, `err.message`); every later call returns the same error;
-- * `nil`: more input is needed.
-- @module netspawn.response

local byte, sub, find = string.byte, string.sub, string.find

local M = {}

--- Default limits, as in `protocol/limits.ts`.
M.DEFAULT_MAX_LENGTH_DIGITS = 10
M.DEFAULT_MAX_NETSTRING_LENGTH = 64 * 1024 * 1024

--- Longest exitcode value ("255") and termsig value.
M.MAX_EXITCODE_LENGTH = 3
M.MAX_TERMSIG_LENGTH = 16

local _ZERO, _NINE, _COLON, _COMMA = 48, 57, 58, 44

local _show -- defined at the end

local _TYPES = { stdout = "output", stderr = "output", exitcode = "status", termsig = "status" }

--- Whether `value` is a well-formed exitcode: a canonical decimal from 0 to 255.
-- @return the number, or nil
function M.parse_exitcode(value)
  if not find(value, "^%d%d?%d?$") or (#value > 1 and byte(value, 1) == _ZERO) then return nil end
  local n = tonumber(value)
  if n > 255 then return nil end
  return n
end

--- Whether `value` is a well-formed termsig: a signal name without SIG
-- (`A`-`Z`, then `A`-`Z`, `0`-`9`, `+`; at most 16 bytes) or `???`.
function M.is_signal_name(value)
  if #value > M.MAX_TERMSIG_LENGTH then return false end
  return value == "???" or find(value, "^[A-Z][A-Z0-9+]*$") ~= nil
end

local Parser = {}
Parser.__index = Parser

--- A parser at the start of a response.
-- @param limits optional `{max_length_digits = 10, max_netstring_length = 64 MiB}`
function M.new(limits)
  limits = limits or {}
  return setmetatable({
    _max_digits = limits.max_length_digits or M.DEFAULT_MAX_LENGTH_DIGITS,
    _max_length = limits.max_netstring_length or M.DEFAULT_MAX_NETSTRING_LENGTH,
    _buf = "", -- unread input starts at _pos
    _pos = 1,
    _base = 0, -- stream offset of _buf's first byte
    _ended = false,
    state = "type", -- type, output, status, late-type, late-output, ended, failed
    _ns = "length-start", -- length-start, length, payload, comma
    _value = 0, -- the length being read
    _digits = 0,
    _start = 0, -- offset of the current netstring
    _remaining = 0, -- payload bytes still to come
    _small = nil, -- pieces of a type or status value
    _stream = "stdout",
    _status_type = "exitcode",
    _error = nil,
  }, Parser)
end

--- Append input (a string).
function Parser:push(chunk)
  if #chunk == 0 then return end
  if self._pos > #self._buf then
    self._base = self._base + #self._buf
    self._buf = chunk
  else
    self._base = self._base + self._pos - 1
    self._buf = sub(self._buf, self._pos) .. chunk
  end
  self._pos = 1
end

--- Declare the end of input (the server closed the connection).
function Parser:finish()
  self._ended = true
end

--- Bytes consumed so far.
function Parser:offset()
  return self._base + self._pos - 1
end

--- Whether the status pair has been received.
function Parser:has_status()
  return self.state == "late-type" or self.state == "late-output" or self.state == "ended"
end

--- An iterator over the events available now (stops when more input is needed).
function Parser:events()
  return function()
    return self:next()
  end
end

function Parser:_fail(code, offset, message)
  self.state = "failed"
  self._small = nil
  self._error = {
    protocol_code = code,
    offset = offset,
    message = code .. " at byte " .. offset .. ": " .. message,
  }
  return "error", self._error
end

--- The next event (see the module documentation).
function Parser:next()
  while true do
    if self._error then return "error", self._error end
    if self.state == "ended" then return nil end
    local ns = self._ns
    local kind, a, b
    if ns == "payload" then
      kind, a, b = self:_payload()
    elseif ns == "comma" then
      kind, a, b = self:_comma()
    else
      kind, a, b = self:_length()
    end
    if kind ~= false then return kind, a, b end
  end
end

-- Each step returns an event, nil (more input needed), or false (go on).

function Parser:_length()
  local buf, pos = self._buf, self._pos
  while true do
    local c = byte(buf, pos)
    if c == nil then
      self._pos = pos
      return self:_at_end_of_input()
    end
    if c >= _ZERO and c <= _NINE then
      local offset = self._base + pos - 1
      if self._ns == "length-start" then
        self._ns = "length"
        self._start = offset
        self._value = 0
        self._digits = 0
      elseif self._value == 0 then
        self._pos = pos
        return self:_fail("LEADING_ZERO", offset, "netstring length has a leading zero")
      end
      if self._digits == self._max_digits then
        self._pos = pos
        return self:_fail("LENGTH_TOO_LONG", offset, "netstring length has more than " .. self._max_digits .. " digits")
      end
      self._value = self._value * 10 + (c - _ZERO)
      self._digits = self._digits + 1
      if self._value > self._max_length then
        self._pos = pos
        return self:_fail("PAYLOAD_TOO_LARGE", offset,
          "netstring length exceeds the limit of " .. self._max_length .. " bytes")
      end
      pos = pos + 1
    elseif c == _COLON and self._ns == "length" then
      self._pos = pos + 1
      self._remaining = self._value
      self._ns = self._value == 0 and "comma" or "payload"
      return self:_begin(self._value, self._start)
    else
      self._pos = pos
      local what = c == _COLON and "':' with no length before it" or ("byte " .. _show(string.char(c)))
      return self:_fail("BAD_LENGTH", self._base + pos - 1, what .. " where a netstring length digit is expected")
    end
  end
end

function Parser:_at_end_of_input()
  if not self._ended then return nil end
  local offset = self:offset()
  if self._ns == "length" then return self:_fail("EOF_IN_LENGTH", offset, "input ended inside a netstring length") end
  local state = self.state
  if state == "type" then
    return self:_fail("CLOSED_WITHOUT_STATUS", offset, "connection closed before any exitcode or termsig pair")
  elseif state == "late-type" then
    self.state = "ended"
    return "end"
  end
  return self:_fail("EOF_IN_PAIR", offset, "input ended inside a pair")
end

function Parser:_is_data()
  return self.state == "output" or self.state == "late-output"
end

function Parser:_begin(length, offset)
  if self:_is_data() then return false end
  if self.state == "status" then
    local exit = self._status_type == "exitcode"
    local max = exit and M.MAX_EXITCODE_LENGTH or M.MAX_TERMSIG_LENGTH
    if length == 0 or length > max then
      return self:_fail(exit and "BAD_EXITCODE" or "BAD_TERMSIG", offset,
        self._status_type .. " value of " .. length .. " bytes")
    end
  elseif length < 6 or length > 8 then
    return self:_fail("UNKNOWN_PAIR_TYPE", offset, "pair type of " .. length .. " bytes")
  end
  self._small = {}
  return false
end

function Parser:_payload()
  local buf, pos = self._buf, self._pos
  local available = #buf - pos + 1
  if available <= 0 then
    if self._ended then
      return self:_fail("EOF_IN_PAYLOAD", self:offset(), "input ended with " .. self._remaining .. " payload bytes missing")
    end
    return nil
  end
  local n = self._remaining < available and self._remaining or available
  local piece = (pos == 1 and n == #buf) and buf or sub(buf, pos, pos + n - 1)
  self._pos = pos + n
  self._remaining = self._remaining - n
  if self._remaining == 0 then self._ns = "comma" end
  if self:_is_data() then return "output", self._stream, piece end
  local small = self._small
  small[#small + 1] = piece
  return false
end

function Parser:_comma()
  local c = byte(self._buf, self._pos)
  if c == nil then
    if self._ended then
      return self:_fail("EOF_IN_PAYLOAD", self:offset(), "input ended before the ',' closing a netstring")
    end
    return nil
  end
  if c ~= _COMMA then
    return self:_fail("MISSING_COMMA", self:offset(),
      "byte " .. _show(string.char(c)) .. " instead of the ',' closing a netstring")
  end
  self._pos = self._pos + 1
  self._ns = "length-start"
  return self:_end()
end

function Parser:_end()
  local state = self.state
  if state == "output" or state == "late-output" then
    self.state = state == "output" and "type" or "late-type"
    return "output-end", self._stream
  end
  local value = table.concat(self._small or {})
  self._small = nil
  if state == "status" then return self:_end_status(value) end
  local kind = _TYPES[value]
  if kind == nil then
    return self:_fail("UNKNOWN_PAIR_TYPE", self._start, 'unknown pair type "' .. _show(value) .. '"')
  end
  if kind == "output" then
    self._stream = value
    self.state = state == "type" and "output" or "late-output"
    return false
  end
  if state == "late-type" then return self:_fail("DUPLICATE_STATUS", self._start, "a second status pair") end
  self._status_type = value
  self.state = "status"
  return false
end

function Parser:_end_status(value)
  if self._status_type == "exitcode" then
    local code = M.parse_exitcode(value)
    if code == nil then
      return self:_fail("BAD_EXITCODE", self._start, 'exitcode "' .. _show(value) .. '" is not a decimal from 0 to 255')
    end
    self.state = "late-type"
    return "status", "exitcode", code
  end
  if not M.is_signal_name(value) then
    return self:_fail("BAD_TERMSIG", self._start, 'termsig "' .. _show(value) .. '" is not a signal name')
  end
  self.state = "late-type"
  return "status", "termsig", value
end

--- Bytes as printable ASCII, `\xNN` for the rest and for `\` (for messages).
_show = function(bytes)
  return (string.gsub(bytes, ".", function(c)
    local b = byte(c)
    if b < 32 or b > 126 or b == 92 then return string.format("\\x%02x", b) end
  end))
end

M.show = _show

return M
