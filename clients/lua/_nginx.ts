// A throwaway nginx with the Lua module for tests (private): its own prefix in
// a temporary directory, no system configuration, daemon off, one process,
// listening on a free 127.0.0.1 port; stopped by the test.

import { _missing, ROOT } from "./_test_util.ts";

/** Where Debian's nginx and its modules are (NGINX, NGINX_MODULES override). */
export const NGINX = Deno.env.get("NGINX") ?? "/usr/sbin/nginx";
/** Directory of ndk_http_module.so and ngx_http_lua_module.so. */
export const NGINX_MODULES = Deno.env.get("NGINX_MODULES") ?? "/usr/lib/nginx/modules";

/** Why nginx with the Lua module cannot run here, or undefined when it can. */
export async function _nginxMissing(): Promise<string | undefined> {
  const nginx = await _missing(NGINX, ["-v"]);
  if (nginx !== undefined) return `${nginx} (Debian: nginx)`;
  for (const module of ["ndk_http_module.so", "ngx_http_lua_module.so"]) {
    try {
      await Deno.stat(`${NGINX_MODULES}/${module}`);
    } catch {
      return `${NGINX_MODULES}/${module} is missing (Debian: libnginx-mod-http-lua)`;
    }
  }
  return undefined;
}

/** A running nginx. */
export interface _Nginx extends AsyncDisposable {
  /** Its base URL, `http://127.0.0.1:PORT`. */
  readonly url: string;
  /** Its error log so far. */
  errorLog(): Promise<string>;
  /** Stop it (TERM, KILL after 5 s) and remove its directory. */
  stop(): Promise<void>;
}

function _freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

async function _waitUntilListening(port: number, child: Deno.ChildProcess, deadlineMs: number): Promise<void> {
  let exited = false;
  child.status.then(() => exited = true);
  const start = Date.now();
  while (Date.now() - start < deadlineMs) {
    if (exited) throw new Error("nginx exited during start-up");
    try {
      const conn = await Deno.connect({ hostname: "127.0.0.1", port });
      conn.close();
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
  throw new Error(`nginx did not listen on port ${port} within ${deadlineMs} ms`);
}

/**
 * Start nginx serving `content_by_lua_block { CONTENT }` for every URI, with
 * `$netspawn` set to `netspawnAddress` and clients/lua (and clients/lua/test)
 * on package.path.
 */
export async function _startNginx(netspawnAddress: string, content: string): Promise<_Nginx> {
  const dir = await Deno.makeTempDir({ prefix: "netspawn-nginx-" });
  const port = _freePort();
  const conf = `
daemon off;
master_process off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
load_module ${NGINX_MODULES}/ndk_http_module.so;
load_module ${NGINX_MODULES}/ngx_http_lua_module.so;
events { worker_connections 256; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  client_max_body_size 16m;
  client_body_buffer_size 16m;
  lua_package_path "${ROOT}clients/lua/?.lua;${ROOT}clients/lua/test/?.lua;;";
  server {
    listen 127.0.0.1:${port};
    set $netspawn "${netspawnAddress}";
    location / {
      content_by_lua_block { ${content} }
    }
  }
}
`;
  await Deno.writeTextFile(`${dir}/nginx.conf`, conf);
  const child = new Deno.Command(NGINX, {
    args: ["-p", dir, "-c", `${dir}/nginx.conf`, "-e", `${dir}/error.log`],
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).spawn();
  const errorLog = () => Deno.readTextFile(`${dir}/error.log`).catch(() => "");
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    try {
      child.kill("SIGTERM");
    } catch {
      // already gone
    }
    const timer = setTimeout(() => {
      try {
        child.kill("SIGKILL");
      } catch {
        // already gone
      }
    }, 5000);
    await child.status;
    clearTimeout(timer);
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  };
  try {
    await _waitUntilListening(port, child, 10_000);
  } catch (error) {
    const log = await errorLog();
    await stop();
    throw new Error(`${(error as Error).message}\n${log}`);
  }
  return { url: `http://127.0.0.1:${port}`, errorLog, stop, [Symbol.asyncDispose]: stop };
}
