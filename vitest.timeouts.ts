/**
 * Every project's timeouts: vitest 3.2's projects do not inherit the root config's `test` options, so
 * without these a project ran on vitest's defaults (5 s a test, 10 s a hook, 1 s an `expect.poll`),
 * too short on a loaded 2-core CI.
 */
export const timeouts = { testTimeout: 30_000, hookTimeout: 60_000, expect: { poll: { timeout: 30_000, interval: 100 } } } as const
