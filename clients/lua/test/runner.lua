-- A small test runner for the Lua client's tests (Lua 5.1-5.4, LuaJIT).
--
--     local t = require("runner")
--     t.test("adds", function() t.eq(1 + 1, 2) end)
--     os.exit(t.run())
--
-- Prints one line per test, then "N passed, N failed, N skipped"; `run()`
-- returns the process exit status (0 when nothing failed).

local M = {}

local tests = {}

--- Register a test.
function M.test(name, fn)
  tests[#tests + 1] = { name = name, fn = fn }
end

--- Register a test that is skipped, with the reason shown.
function M.skip(name, reason)
  tests[#tests + 1] = { name = name, skip = reason }
end

local function _show(v)
  if type(v) == "string" then
    if #v > 120 then return string.format("<%d bytes: %q...>", #v, string.sub(v, 1, 60)) end
    return string.format("%q", v)
  end
  return tostring(v)
end

--- Fail unless `actual == expected` (strings are shown quoted, long ones cut).
function M.eq(actual, expected, what)
  if actual ~= expected then
    error((what and (what .. ": ") or "") .. "expected " .. _show(expected) .. ", got " .. _show(actual), 2)
  end
end

--- Fail unless `value` is truthy.
function M.ok(value, what)
  if not value then error(what or "expected a true value", 2) end
  return value
end

--- Fail unless a call returned nil and an error object with `code`.
function M.fails(code, result, err)
  if result ~= nil then error("expected error " .. code .. ", got a result", 2) end
  if type(err) ~= "table" or err.code ~= code then
    error("expected error " .. code .. ", got " .. _show(err and (err.code or err)) .. " (" .. tostring(err) .. ")", 2)
  end
  return err
end

--- Run every test; returns the exit status.
function M.run()
  local passed, failed, skipped = 0, 0, 0
  local filter = os.getenv("NETSPAWN_LUA_TEST_FILTER")
  for _, t in ipairs(tests) do
    if filter and not string.find(t.name, filter, 1, true) then
      -- not selected
    elseif t.skip then
      skipped = skipped + 1
      print("skip " .. t.name .. " (" .. t.skip .. ")")
    else
      local start = os.clock()
      local ok, err = xpcall(t.fn, debug.traceback)
      if ok then
        passed = passed + 1
        print(string.format("ok   %s (%.0f ms cpu)", t.name, (os.clock() - start) * 1000))
      else
        failed = failed + 1
        print("FAIL " .. t.name .. "\n     " .. string.gsub(tostring(err), "\n", "\n     "))
      end
    end
  end
  print(string.format("%d passed, %d failed, %d skipped", passed, failed, skipped))
  return failed == 0 and 0 or 1
end

return M
