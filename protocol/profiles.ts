/**
 * Protocol profiles: named sets of requirements a peer can claim. Today there
 * is one, `sockexec/1`, the protocol sockexec 3.1.1 and its clients speak.
 *
 * @module
 */

/** One profile. */
export interface Profile {
  /** Stable name, `family/major`. */
  readonly name: string;
  /** `stable`, or `reserved` for space kept for later. */
  readonly status: "stable" | "reserved";
  /** What the profile is. */
  readonly summary: string;
}

/** Every profile. */
export const PROFILES: readonly Profile[] = [
  {
    name: "sockexec/1",
    status: "stable",
    summary:
      "The protocol as sockexec 3.1.1, lua-resty-exec and other existing clients speak it. A netspawn server speaks it to every client, and meets its SHOULD requirements where sockexec does not.",
  },
  {
    name: "extensions",
    status: "reserved",
    summary:
      "Negotiated extensions will be announced by a first netstring that starts with a lower-case letter, for example `netspawn/2`. No sockexec/1 request starts that way (argc is a decimal), so a sockexec/1 server rejects it as BAD_ARGC and a client can fall back; no extension is defined yet.",
  },
];
