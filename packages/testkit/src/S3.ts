import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import S3rver from "s3rver"

/** Where a test run's bucket is: what the API's S3_* configuration needs. */
export interface S3Server {
  readonly endpoint: string
  readonly bucket: string
  readonly region: string
  readonly accessKeyId: string
  readonly secretAccessKey: string
}

export interface RunningS3 extends S3Server {
  readonly stop: () => Promise<void>
}

/** Any origin may GET/PUT/POST/HEAD: browsers upload straight to the bucket from the web origin. */
export const S3_CORS_XML_PATH = fileURLToPath(new URL("./s3-cors.xml", import.meta.url))

/** The S3_* environment for a service that should use this bucket. */
export const s3Env = (s3: S3Server): Record<string, string> => ({
  S3_ENDPOINT: s3.endpoint,
  S3_BUCKET: s3.bucket,
  S3_REGION: s3.region,
  S3_ACCESS_KEY_ID: s3.accessKeyId,
  S3_SECRET_ACCESS_KEY: s3.secretAccessKey
})

/**
 * Starts s3rver in this process on a free loopback port, with its data in a fresh temporary directory
 * and one bucket (with CORS) already there. s3rver enforces no POST policy and checks no SigV4
 * signature: only its fixed key pair S3RVER/S3RVER is known to it.
 */
export const startS3rver = async (options: { bucket?: string; directory?: string } = {}): Promise<RunningS3> => {
  const bucket = options.bucket ?? "manara-media"
  const directory = options.directory ?? mkdtempSync(join(tmpdir(), "manara-s3-"))
  const server = new S3rver({
    address: "127.0.0.1",
    port: 0,
    silent: true,
    directory,
    // Path-style only: otherwise any non-IP host (a container name, say) is taken for a bucket name.
    vhostBuckets: false,
    configureBuckets: [{ name: bucket, configs: [readFileSync(S3_CORS_XML_PATH)] }]
  })
  const { port } = await server.run()
  return {
    endpoint: `http://127.0.0.1:${port}`,
    bucket,
    region: "me-central-1",
    accessKeyId: "S3RVER",
    secretAccessKey: "S3RVER",
    stop: async () => {
      // Keep-alive sockets from SDK clients would otherwise hold close() open.
      server.httpServer?.closeAllConnections()
      await server.close()
      if (options.directory === undefined) rmSync(directory, { recursive: true, force: true })
    }
  }
}
