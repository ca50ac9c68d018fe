// One output stream of a call (private): a ReadableStream fed by the reply parser.

/** Bytes a stream holds for its reader before the socket stops reading. */
const _HIGH_WATER_MARK = 64 * 1024;

/**
 * A `ReadableStream` of one of the program's outputs. The call enqueues
 * copies of the parser's output events; when the reader falls behind,
 * {@linkcode _OutputChannel.full} turns true and the call pauses the socket;
 * a read that makes room calls `onRoom` so it can resume. A cancelled stream
 * discards further output (the call goes on).
 */
export class _OutputChannel {
  /** The stream handed to the user. */
  readonly stream: ReadableStream<Uint8Array>;
  #controller: ReadableStreamDefaultController<Uint8Array> | undefined;
  #open = true;

  /** Create a channel; `onRoom` is called whenever the reader wants more. */
  constructor(onRoom: () => void) {
    this.stream = new ReadableStream<Uint8Array>(
      {
        start: (controller) => {
          this.#controller = controller;
        },
        pull: () => onRoom(),
        cancel: () => {
          this.#open = false;
          onRoom();
        },
      },
      new ByteLengthQueuingStrategy({ highWaterMark: _HIGH_WATER_MARK }),
    );
  }

  /** True while the reader has not caught up (the socket should not read more for it). */
  get full(): boolean {
    return this.#open && (this.#controller?.desiredSize ?? 1) <= 0;
  }

  /** Deliver a copy of `bytes` (the parser's events are views into the socket's chunk). */
  enqueue(bytes: Uint8Array): void {
    if (!this.#open) return;
    const copy = new Uint8Array(bytes.length);
    copy.set(bytes);
    this.#controller?.enqueue(copy);
  }

  /** End the stream normally; queued output stays readable. */
  close(): void {
    if (!this.#open) return;
    this.#open = false;
    this.#controller?.close();
  }

  /** End the stream with `error`; queued output is dropped. */
  error(error: unknown): void {
    if (!this.#open) return;
    this.#open = false;
    this.#controller?.error(error);
  }
}
