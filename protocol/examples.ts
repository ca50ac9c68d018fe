/**
 * Exchanges on the wire, as the specification shows them. Tests decode every
 * one with the parsers in this directory, so they cannot drift from the code.
 *
 * @module
 */

/** One request and the response a conforming server sends. */
export interface WireExample {
  /** What it shows. */
  readonly title: string;
  /** The request bytes (strings here are ASCII; `\n` is a newline). */
  readonly request: string;
  /** The response bytes. */
  readonly response: string;
}

/** Example exchanges. */
export const EXAMPLES: readonly WireExample[] = [
  {
    title: "A program with no arguments",
    request: "1:1,5:uname,0:,",
    response: "6:stdout,6:Linux\n,8:exitcode,1:0,",
  },
  {
    title: "Arguments",
    request: "1:2,4:echo,5:hello,0:,",
    response: "6:stdout,6:hello\n,8:exitcode,1:0,",
  },
  {
    title: "Stdin in several chunks",
    request: "1:1,3:cat,5:hello,1: ,5:world,0:,",
    response: "6:stdout,11:hello world,8:exitcode,1:0,",
  },
  {
    title: "Both output streams and an exit code",
    request: "1:3,2:sh,2:-c,30:echo out; echo err >&2; exit 3,0:,",
    response: "6:stdout,4:out\n,6:stderr,4:err\n,8:exitcode,1:3,",
  },
  {
    title: "No end marker: the program runs anyway",
    request: "1:1,4:true,",
    response: "8:exitcode,1:0,",
  },
  {
    title: "Killed by a signal",
    request: "1:3,2:sh,2:-c,7:kill $$,0:,",
    response: "7:termsig,4:TERM,",
  },
  {
    title: "A program that cannot be started (netspawn; sockexec closes without a byte)",
    request: "1:1,16:/nonexistent/cmd,0:,",
    response: "6:stderr,57:netspawn: cannot run /nonexistent/cmd: program not found\n,8:exitcode,3:127,",
  },
];
