// Waiting with deadlines, for tests (private).

/** `promise`, or a rejection naming `what` if it takes longer than `ms`. */
export async function _within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`deadline: ${what} did not happen within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Wait until `read()` stops changing for `quietMs` (a stall: nothing to wait
 * on but the absence of progress), failing after `deadlineMs`. Returns the
 * settled value.
 */
export async function _stalled(read: () => number, quietMs: number, deadlineMs: number): Promise<number> {
  const start = Date.now();
  let last = read();
  let since = Date.now();
  while (Date.now() - start < deadlineMs) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    const now = read();
    if (now !== last) {
      last = now;
      since = Date.now();
    } else if (Date.now() - since >= quietMs) {
      return now;
    }
  }
  throw new Error(`deadline: progress did not stall within ${deadlineMs} ms (at ${last})`);
}
