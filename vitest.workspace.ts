/** The test projects; `vitest.config.ts` reads this list (vitest 3.2's `test.projects`). */
export default ["packages/*", "apps/api", "apps/worker", "apps/cli", "apps/web", "apps/infra"]
