/** The shape of bench/results/latest.json, written by `pnpm bench` (src/main.ts). */

/** Cases compare with the bare line of their own group. */
export type CaseGroup = "storefront" | "storefront-hosts" | "catalog" | "auth" | "capture" | "trivial" | "ssr" | "visits"

/** One autocannon run of one case. */
export interface RunResult {
  readonly case: string
  /** 0 is the warmup (not kept); 1..rounds are measured. */
  readonly round: number
  readonly requestsPerSecond: number
  readonly requests: number
  readonly p50Ms: number
  readonly p99Ms: number
  readonly meanMs: number
  /** User + system CPU of the server process over the run, per answered request (Postgres not included). */
  readonly serverCpuMicrosPerRequest: number | null
  /** That CPU time over the run's duration: 1 is one core kept busy. */
  readonly serverCpuShare: number | null
  /** The whole machine's busy share over the run (all cores; Postgres and the load generator included). */
  readonly machineCpuShare: number | null
}

/** Medians over the rounds; `ratio` is the median of the per-round req/s ratios against `baseline`. */
export interface CaseSummary {
  readonly case: string
  readonly label: string
  readonly group: CaseGroup
  readonly baseline: string
  readonly requestsPerSecond: number
  readonly p50Ms: number
  readonly p99Ms: number
  readonly meanMs: number
  readonly serverCpuMicrosPerRequest: number | null
  readonly serverCpuShare: number | null
  readonly machineCpuShare: number | null
  /** Database transactions per request, counted over the case's warmup (all sessions ended to flush the counts). */
  readonly databaseTransactionsPerRequest: number | null
  readonly ratio: number
  readonly ratios: ReadonlyArray<number>
  /** The baseline's server CPU per request over this case's: independent of what saturates first. */
  readonly cpuRatio: number | null
}

export interface BenchResults {
  readonly date: string
  readonly machine: {
    readonly cpus: number
    readonly cpuModel: string
    readonly memoryGiB: number
    readonly platform: string
    readonly node: string
    readonly postgres: string
    readonly pinning: string
    /** Busy share of the whole machine over 2 s before the bench started (other work on it). */
    readonly backgroundCpuShare: number | null
  }
  readonly config: {
    readonly seconds: number
    readonly rounds: number
    readonly warmupSeconds: number
    readonly connections: number
    /** Tenants (hosts) the `storefront-hosts` group rotates through. */
    readonly hosts: number
    readonly poolSize: number
    readonly loadGenerator: string
  }
  readonly summary: ReadonlyArray<CaseSummary>
  readonly runs: ReadonlyArray<RunResult>
}
