--- The client's side of a request, without I/O: the bytes to send. The same
-- rules as `protocol/request_writer.ts`: argc and the argv strings first, then
-- stdin as non-empty chunks, then the end marker `0:,` (once).
--
--     local request = require("netspawn.request")
--     local head = assert(request.argv({ "echo", "hi" })) -- "1:2,4:echo,2:hi,"
--     local chunk = request.chunk("data")                  -- "4:data,"
--     local last = request.END                             -- "0:,"
-- @module netspawn.request

local M = {}

--- The end marker: closes the program's stdin.
M.END = "0:,"

--- Largest stdin chunk the clients send in one netstring.
M.CHUNK_SIZE = 64 * 1024

--- argc and the argv netstrings.
-- @param argv an array of strings (numbers are converted with tostring)
-- @return the bytes, or nil and a message (an empty argv, a value that is
--   not a string, or a NUL byte: the protocol cannot carry them)
function M.argv(argv)
  if type(argv) ~= "table" or argv[1] == nil then
    return nil, "argv must be a non-empty array of strings"
  end
  local parts = { "" } -- argc goes first
  local n = 0
  for i = 1, #argv do
    local arg = argv[i]
    if type(arg) == "number" then arg = tostring(arg) end
    if type(arg) ~= "string" then
      return nil, "argv[" .. i .. "] is a " .. type(arg) .. ", not a string"
    end
    if string.find(arg, "\0", 1, true) then
      return nil, "argv[" .. i .. "] contains a NUL byte, which no program can receive"
    end
    n = n + 1
    parts[n + 1] = #arg .. ":" .. arg .. ","
  end
  local argc = tostring(n)
  parts[1] = #argc .. ":" .. argc .. ","
  return table.concat(parts)
end

--- One stdin chunk: the empty string gives no bytes (its netstring would be the end marker).
function M.chunk(data)
  if #data == 0 then return "" end
  return #data .. ":" .. data .. ","
end

return M
