// The package version (private); the npm build checks it against deno.json.

/** The version of this package. */
export const _VERSION = "0.1.0";
