// Reading a stdin source chunk by chunk (private).

import type { StdinSource } from "./options.ts";

/**
 * The chunks of a stdin source, read only as they are asked for. Leaving the
 * loop early cancels a stream or closes an iterator.
 */
export async function* _stdinChunks(source: StdinSource): AsyncGenerator<Uint8Array | string, void, undefined> {
  if (typeof source === "string" || source instanceof Uint8Array) {
    yield source;
  } else if (_isReadableStream(source)) {
    yield* _streamChunks(source);
  } else {
    yield* source;
  }
}

function _isReadableStream(source: StdinSource): source is ReadableStream<Uint8Array> {
  return typeof (source as Partial<ReadableStream<Uint8Array>>).getReader === "function";
}

async function* _streamChunks(stream: ReadableStream<Uint8Array>): AsyncGenerator<Uint8Array, void, undefined> {
  const reader = stream.getReader();
  let finished = false;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      yield value;
    }
    finished = true;
  } finally {
    if (!finished) await reader.cancel().catch(() => {});
    reader.releaseLock();
  }
}
