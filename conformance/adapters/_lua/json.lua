-- Just enough JSON for the Lua adapters, in plain Lua 5.1-5.4: decode any
-- value (null becomes json.null), encode tables with string keys, arrays,
-- strings (bytes >= 0x80 as \u00XX), numbers, booleans and json.null.

local byte, sub, char, format, concat = string.byte, string.sub, string.char, string.format, table.concat

local M = {}

--- The value that stands for JSON null.
M.null = setmetatable({}, { __tostring = function() return "null" end })

local function _utf8(cp)
  if cp < 0x80 then return char(cp) end
  if cp < 0x800 then return char(0xC0 + math.floor(cp / 64), 0x80 + cp % 64) end
  if cp < 0x10000 then
    return char(0xE0 + math.floor(cp / 4096), 0x80 + math.floor(cp / 64) % 64, 0x80 + cp % 64)
  end
  return char(0xF0 + math.floor(cp / 262144), 0x80 + math.floor(cp / 4096) % 64,
    0x80 + math.floor(cp / 64) % 64, 0x80 + cp % 64)
end

local ESCAPES = { [34] = '"', [92] = "\\", [47] = "/", [98] = "\b", [102] = "\f", [110] = "\n", [114] = "\r", [116] = "\t" }

local decode_value

local function skip(text, i)
  local _, e = string.find(text, "^[ \t\r\n]*", i)
  return e + 1
end

local function decode_string(text, i)
  local parts, n = {}, 0
  i = i + 1
  while true do
    local s, e = string.find(text, '^[^"\\]+', i)
    if s then
      n = n + 1
      parts[n] = sub(text, s, e)
      i = e + 1
    end
    local c = byte(text, i)
    if c == 34 then return concat(parts), i + 1 end
    if c ~= 92 then error("unterminated string at " .. i) end
    local x = byte(text, i + 1)
    if x == 117 then
      local cp = tonumber(sub(text, i + 2, i + 5), 16)
      i = i + 6
      if cp and cp >= 0xD800 and cp <= 0xDBFF and sub(text, i, i + 1) == "\\u" then
        local low = tonumber(sub(text, i + 2, i + 5), 16)
        cp = 0x10000 + (cp - 0xD800) * 1024 + (low - 0xDC00)
        i = i + 6
      end
      n = n + 1
      parts[n] = _utf8(cp)
    elseif ESCAPES[x] then
      n = n + 1
      parts[n] = ESCAPES[x]
      i = i + 2
    else
      error("bad escape at " .. i)
    end
  end
end

decode_value = function(text, i)
  i = skip(text, i)
  local c = byte(text, i)
  if c == 123 then
    local obj = {}
    i = skip(text, i + 1)
    if byte(text, i) == 125 then return obj, i + 1 end
    while true do
      local key
      key, i = decode_string(text, skip(text, i))
      i = skip(text, i)
      if byte(text, i) ~= 58 then error("expected ':' at " .. i) end
      obj[key], i = decode_value(text, i + 1)
      i = skip(text, i)
      c = byte(text, i)
      if c == 125 then return obj, i + 1 end
      if c ~= 44 then error("expected ',' or '}' at " .. i) end
      i = i + 1
    end
  elseif c == 91 then
    local arr, n = {}, 0
    i = skip(text, i + 1)
    if byte(text, i) == 93 then return arr, i + 1 end
    while true do
      n = n + 1
      arr[n], i = decode_value(text, i)
      i = skip(text, i)
      c = byte(text, i)
      if c == 93 then return arr, i + 1 end
      if c ~= 44 then error("expected ',' or ']' at " .. i) end
      i = i + 1
    end
  elseif c == 34 then
    return decode_string(text, i)
  elseif sub(text, i, i + 3) == "null" then
    return M.null, i + 4
  elseif sub(text, i, i + 3) == "true" then
    return true, i + 4
  elseif sub(text, i, i + 4) == "false" then
    return false, i + 5
  end
  local s, e = string.find(text, "^-?%d+%.?%d*[eE]?[-+]?%d*", i)
  if not s then error("unexpected character at " .. i) end
  return tonumber(sub(text, s, e)), e + 1
end

--- Decode one JSON value.
function M.decode(text)
  local value, i = decode_value(text, 1)
  if skip(text, i) <= #text then error("trailing characters at " .. i) end
  return value
end

local function encode_string(s)
  return '"' .. string.gsub(s, '[%c"\\\128-\255]', function(c)
    local b = byte(c)
    if b == 34 then return '\\"' end
    if b == 92 then return "\\\\" end
    return format("\\u%04x", b)
  end) .. '"'
end

--- Encode a value; `keys` orders an object's keys (others are left out).
function M.encode(value, keys)
  local t = type(value)
  if value == M.null or value == nil then return "null" end
  if t == "string" then return encode_string(value) end
  if t == "number" then
    if value == math.floor(value) then return format("%d", value) end
    return tostring(value)
  end
  if t == "boolean" then return tostring(value) end
  if t == "table" then
    if keys then
      local parts = {}
      for _, k in ipairs(keys) do
        if value[k] ~= nil then parts[#parts + 1] = encode_string(k) .. ":" .. M.encode(value[k]) end
      end
      return "{" .. concat(parts, ",") .. "}"
    end
    local parts = {}
    for i = 1, #value do parts[i] = M.encode(value[i]) end
    return "[" .. concat(parts, ",") .. "]"
  end
  error("cannot encode a " .. t)
end

return M
