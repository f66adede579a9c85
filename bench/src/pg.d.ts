// The few `pg` types the bare baseline uses (the workspace has no @types/pg installed).
declare module "pg" {
  export interface QueryResult<R> {
    readonly rows: Array<R>
  }
  export interface PoolClient {
    query<R = Record<string, unknown>>(text: string, values?: ReadonlyArray<unknown>): Promise<QueryResult<R>>
    release(error?: Error | boolean): void
  }
  export interface PoolConfig {
    readonly connectionString: string
    readonly max?: number
    readonly application_name?: string
  }
  export class Pool {
    constructor(config: PoolConfig)
    connect(): Promise<PoolClient>
    query<R = Record<string, unknown>>(text: string, values?: ReadonlyArray<unknown>): Promise<QueryResult<R>>
    end(): Promise<void>
    on(event: "error", listener: (error: Error) => void): this
  }
  const pg: { Pool: typeof Pool }
  export default pg
}
