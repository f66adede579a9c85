/**
 * The two environments of the CDK app, chosen with `-c env=staging|production`. Sizes and counts live
 * here; what differs per account (account id, certificates, the alarm mailbox, the image tag) comes from
 * context so that `cdk synth` needs no AWS lookup.
 */
export type EnvironmentName = "staging" | "production"

export interface EnvironmentConfig {
  readonly name: EnvironmentName
  readonly account: string
  readonly region: string
  /** Tenants are `{slug}.{platformDomain}`; the dashboard is served on the platform domain itself. */
  readonly platformDomain: string
  /** The name CloudFront reaches the public ALB at (a CNAME to the ALB's DNS name, made where the zone lives). */
  readonly originDomain: string
  /** ACM certificate in us-east-1 for the platform domain and `*.{platformDomain}` (CloudFront). */
  readonly edgeCertificateArn: string
  /** ACM certificate in the stack's region for `originDomain` (the public ALB's HTTPS listener). */
  readonly originCertificateArn: string
  /** `com.amazonaws.global.cloudfront.origin-facing` in the region: only CloudFront may reach the ALB. */
  readonly cloudFrontPrefixListId: string | undefined
  /** The tag CI pushed to the `manara/api`, `manara/web` and `manara/worker` ECR repositories. */
  readonly imageTag: string
  readonly alarmEmail: string | undefined
  readonly natGateways: number
  readonly database: { readonly instanceType: string; readonly allocatedStorageGiB: number; readonly backupRetentionDays: number }
  readonly redis: { readonly nodeType: string; readonly replicasPerShard: number }
  readonly services: Record<"api" | "web" | "worker", ServiceSize>
  readonly logRetentionDays: 30 | 90 | 365
}

export interface ServiceSize {
  readonly cpu: number
  readonly memoryMiB: number
  readonly min: number
  readonly max: number
}

const sizes: Record<EnvironmentName, Pick<EnvironmentConfig, "natGateways" | "database" | "redis" | "services" | "logRetentionDays">> = {
  staging: {
    natGateways: 1,
    database: { instanceType: "t4g.medium", allocatedStorageGiB: 50, backupRetentionDays: 7 },
    redis: { nodeType: "cache.t4g.small", replicasPerShard: 1 },
    services: {
      api: { cpu: 512, memoryMiB: 1024, min: 2, max: 4 },
      web: { cpu: 512, memoryMiB: 1024, min: 2, max: 4 },
      worker: { cpu: 256, memoryMiB: 512, min: 1, max: 2 }
    },
    logRetentionDays: 30
  },
  production: {
    natGateways: 2,
    database: { instanceType: "m6g.large", allocatedStorageGiB: 200, backupRetentionDays: 30 },
    redis: { nodeType: "cache.m6g.large", replicasPerShard: 2 },
    services: {
      api: { cpu: 1024, memoryMiB: 2048, min: 2, max: 12 },
      web: { cpu: 1024, memoryMiB: 2048, min: 2, max: 12 },
      worker: { cpu: 512, memoryMiB: 1024, min: 2, max: 6 }
    },
    logRetentionDays: 365
  }
}

/** Reads a context value (`-c key=value`, cdk.json's `context`, or the test's context) as a string. */
type Context = (key: string) => unknown

const text = (context: Context, key: string): string | undefined => {
  const value = context(key)
  return typeof value === "string" && value !== "" ? value : undefined
}

const required = (context: Context, key: string, why: string): string => {
  const value = text(context, key)
  if (value === undefined) throw new Error(`context "${key}" is required (${why}); pass -c ${key}=... or set it in cdk.json`)
  return value
}

/** The environment named by context `env`, with each per-account value from `<env>.<key>` or `<key>`. */
export const environmentFrom = (context: Context): EnvironmentConfig => {
  const name = text(context, "env")
  if (name !== "staging" && name !== "production") throw new Error(`context "env" must be staging or production, not ${String(name)}`)
  const scoped: Context = (key) => context(`${name}.${key}`) ?? context(key)
  const platformDomain = required(scoped, "platformDomain", "tenants live at {slug}.{platformDomain}")
  return {
    name,
    account: required(scoped, "account", "a fixed account keeps synth free of lookups"),
    region: text(scoped, "region") ?? "me-south-1",
    platformDomain,
    originDomain: text(scoped, "originDomain") ?? `origin.${platformDomain}`,
    edgeCertificateArn: required(scoped, "edgeCertificateArn", "CloudFront serves the platform domain over TLS"),
    originCertificateArn: required(scoped, "originCertificateArn", "CloudFront reaches the ALB over TLS"),
    cloudFrontPrefixListId: text(scoped, "cloudFrontPrefixListId"),
    imageTag: text(scoped, "imageTag") ?? "latest",
    alarmEmail: text(scoped, "alarmEmail"),
    ...sizes[name]
  }
}
