/**
 * Whether this build hashes uploads in the browser: always, except in a build made with
 * `VITE_UPLINK_BROWSER_HASH=off`, which only `bench/integrity-cost.ts` makes, to measure what
 * hashing costs against the same code without it.
 */
export const BROWSER_HASH: boolean = import.meta.env.VITE_UPLINK_BROWSER_HASH !== 'off'
