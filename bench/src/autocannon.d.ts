// The part of autocannon's programmatic API that src/load-hosts.ts uses (the package ships no types).
declare module "autocannon" {
  interface RequestParams {
    method?: string
    path?: string
    headers?: Record<string, string>
  }
  interface Request extends RequestParams {
    setupRequest?: (request: RequestParams & { headers: Record<string, string> }) => RequestParams
  }
  interface Options {
    url: string
    connections?: number
    duration?: number
    requests?: ReadonlyArray<Request>
  }
  function autocannon(options: Options): Promise<unknown>
  export default autocannon
}
