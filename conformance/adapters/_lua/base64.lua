-- Base64 (RFC 4648, with padding) for the Lua adapters, in plain Lua 5.1-5.4.

local byte, char, concat = string.byte, string.char, table.concat

local M = {}

local ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
local ENC, DEC = {}, {}
for i = 1, 64 do
  local c = string.sub(ALPHABET, i, i)
  ENC[i - 1] = c
  DEC[byte(c)] = i - 1
end

--- The base64 text of a byte string.
function M.encode(bytes)
  local out, n = {}, 0
  local len = #bytes
  for i = 1, len - 2, 3 do
    local a, b, c = byte(bytes, i, i + 2)
    local v = a * 65536 + b * 256 + c
    n = n + 1
    out[n] = ENC[math.floor(v / 262144)] .. ENC[math.floor(v / 4096) % 64] .. ENC[math.floor(v / 64) % 64] .. ENC[v % 64]
  end
  local rest = len % 3
  if rest == 1 then
    local v = byte(bytes, len) * 65536
    out[n + 1] = ENC[math.floor(v / 262144)] .. ENC[math.floor(v / 4096) % 64] .. "=="
  elseif rest == 2 then
    local a, b = byte(bytes, len - 1, len)
    local v = a * 65536 + b * 256
    out[n + 1] = ENC[math.floor(v / 262144)] .. ENC[math.floor(v / 4096) % 64] .. ENC[math.floor(v / 64) % 64] .. "="
  end
  return concat(out)
end

--- The bytes of a base64 text; nil and a message when it is malformed.
function M.decode(text)
  text = string.gsub(text, "%s", "")
  if #text % 4 ~= 0 then return nil, "base64 length is not a multiple of 4" end
  local out, n = {}, 0
  for i = 1, #text, 4 do
    local a, b, c, d = byte(text, i, i + 3)
    local va, vb = DEC[a], DEC[b]
    local vc = c == 61 and 0 or DEC[c]
    local vd = d == 61 and 0 or DEC[d]
    if not (va and vb and vc and vd) then return nil, "bad base64 character near offset " .. i end
    local v = va * 262144 + vb * 4096 + vc * 64 + vd
    local x, y, z = math.floor(v / 65536), math.floor(v / 256) % 256, v % 256
    n = n + 1
    if d ~= 61 then
      out[n] = char(x, y, z)
    elseif c ~= 61 then
      out[n] = char(x, y)
    else
      out[n] = char(x)
    end
  end
  return concat(out)
end

return M
