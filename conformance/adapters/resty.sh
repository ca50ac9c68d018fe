#!/bin/sh
# Conformance adapter (netspawn-conformance-adapter/1, see ../README.md) for the
# Lua client inside a real nginx, on cosockets: every run starts a throwaway
# nginx (its own prefix in a temporary directory, daemon off, one process, no
# listener) whose init_worker timer runs the request and exits.
#   deno task conformance client --adapter 'sh conformance/adapters/resty.sh'
# Options (passed to the Lua driver): --dropin MODULE drives lua-resty-exec's
# interface of MODULE (netspawn, or resty.exec); --lib DIR puts DIR first on
# package.path. NGINX (default: nginx on PATH, or /usr/sbin/nginx) and
# NGINX_MODULES (default /usr/lib/nginx/modules) locate Debian's nginx and
# libnginx-mod-http-lua.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
nginx=${NGINX:-$(command -v nginx || echo /usr/sbin/nginx)}
modules=${NGINX_MODULES:-/usr/lib/nginx/modules}

lib=""
args=""
while [ $# -gt 0 ]; do
  case "$1" in
    --lib) lib=$(cd "$2" && pwd); args="$args\"--lib\", [=[$lib]=], "; shift 2 ;;
    --dropin) args="$args\"--dropin\", [=[$2]=], "; shift 2 ;;
    *) echo "resty.sh: unknown option $1 (use --dropin MODULE, --lib DIR)" >&2; exit 2 ;;
  esac
done

dir=$(mktemp -d "${TMPDIR:-/tmp}/netspawn-resty-XXXXXX")
trap 'rm -rf "$dir"' EXIT
cat > "$dir/input.json"

cat > "$dir/nginx.conf" <<EOF
daemon off;
master_process off;
worker_processes 1;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
load_module $modules/ndk_http_module.so;
load_module $modules/ngx_http_lua_module.so;
events { worker_connections 16; }
http {
  access_log off;
  client_body_temp_path $dir/body;
  proxy_temp_path $dir/proxy;
  fastcgi_temp_path $dir/fastcgi;
  uwsgi_temp_path $dir/uwsgi;
  scgi_temp_path $dir/scgi;
  lua_package_path "$here/_lua/?.lua;$root/clients/lua/?.lua;;";
  init_worker_by_lua_block {
    local dir = [=[$dir]=]
    local function write(name, text)
      local f = assert(io.open(dir .. "/" .. name, "wb"))
      f:write(text)
      f:close()
    end
    -- A library that never returns ends the run here, before the runner kills it
    -- (which would leave this directory behind): its timeout plus 2 s, or 12 s.
    local input = assert(io.open(dir .. "/input.json", "rb"))
    local watchdog = tonumber(string.match(input:read("*a"), '"timeoutMs":%s*(%d+)'))
    input:close()
    watchdog = watchdog and watchdog / 1000 + 2 or 12
    ngx.timer.at(watchdog, function(premature)
      if premature then return end
      write("crash.txt", "error: the library did not return within " .. watchdog .. " s\n")
      os.exit(0)
    end)
    ngx.timer.at(0, function()
      local ok, answer = xpcall(function()
        local driver = require("driver")
        local options = driver.options({ $args })
        local f = assert(io.open(dir .. "/input.json", "rb"))
        local input = f:read("*a")
        f:close()
        return driver.respond(input, options)
      end, function(e) return debug.traceback(tostring(e)) .. "\nerror: " .. tostring(e) end)
      if ok then write("output.json", answer .. "\n") else write("crash.txt", tostring(answer) .. "\n") end
      os.exit(0)
    end)
  }
}
EOF

status=0
"$nginx" -p "$dir" -c "$dir/nginx.conf" -e "$dir/error.log" >"$dir/nginx.out" 2>&1 || status=$?
if [ -f "$dir/output.json" ]; then
  cat "$dir/output.json"
  exit 0
fi
if [ -f "$dir/crash.txt" ]; then
  echo "the library under test failed inside nginx:" >&2
  cat "$dir/crash.txt" >&2
else
  echo "nginx exited with status $status without an answer:" >&2
  cat "$dir/nginx.out" "$dir/error.log" >&2 2>/dev/null || true
fi
exit 1
