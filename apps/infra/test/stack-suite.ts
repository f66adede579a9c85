/**
 * What the CDK app must be, asserted on the synthesised templates of one environment. One synth per
 * environment (CPU-heavy: cdk-nag and CDK's CloudFormation schema validation run in it) is shared by
 * every assertion; each environment has its own test file so vitest can run the two in parallel. The
 * synth runs as `cdk synth` runs it (src/main.ts in a child process, context and output directory
 * through CDK_CONTEXT_JSON and CDK_OUTDIR), which also keeps the test worker responsive meanwhile.
 */
import { Match, Template } from "aws-cdk-lib/assertions"
import { execFile } from "node:child_process"
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { promisify } from "node:util"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { EnvironmentName } from "../src/config.js"
import { emfLine } from "@manara/db/cloudwatch"
import { CUSTOM_METRICS, UNCACHED_PATHS } from "../src/manara-stack.js"

const infra = join(import.meta.dirname, "..")
const root = join(infra, "../..")
/** The context `cdk synth` would get: cdk.json's, with the environment chosen. */
const cdkJson = JSON.parse(readFileSync(join(import.meta.dirname, "../cdk.json"), "utf8")) as { context: Record<string, unknown> }

/** CloudFront's managed CachingDisabled policy. */
const CACHING_DISABLED = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
/** Configuration keys that are secret: they must only ever be ECS secrets. */
const SECRET_KEYS = [
  "DATABASE_URL",
  "DATABASE_OWNER_URL",
  "DATABASE_ADMIN_URL",
  "REDIS_URL",
  "TELEGRAM_BOT_TOKEN",
  "OPENAI_API_KEY",
  "ANTHROPIC_API_KEY"
]

/** A piece of a synthesised template: CloudFormation JSON, untyped (as JSON.parse gives it). */
type Json = ReturnType<typeof JSON.parse>
type Resources = Record<string, { Type: string; Properties: Record<string, Json>; DeletionPolicy?: string; UpdateReplacePolicy?: string }>

const sourceText = (dir: string): string =>
  readdirSync(dir)
    .map((name) => join(dir, name))
    .map((path) => (statSync(path).isDirectory() ? sourceText(path) : /\.(ts|js|svelte)$/.test(path) ? readFileSync(path, "utf8") : ""))
    .join("\n")

export const describeEnvironment = (name: EnvironmentName) =>
  describe(`the CDK app, ${name}`, () => {
    let main: Template
    let edge: Template
    let resources: Resources
    let outdir: string
    let stacks: Array<{ id: string; environment: string; templateFile: string }>
    let synth: { ok: true } | { ok: false; output: string }

    beforeAll(async () => {
      outdir = mkdtempSync(join(tmpdir(), `manara-cdk-${name}-`))
      synth = await promisify(execFile)(process.execPath, ["--import", "tsx", join(infra, "src/main.ts")], {
        cwd: infra,
        env: { ...process.env, CDK_OUTDIR: outdir, CDK_CONTEXT_JSON: JSON.stringify({ ...cdkJson.context, env: name }) },
        maxBuffer: 64 * 1024 * 1024
      }).then(
        () => ({ ok: true as const }),
        (error: { stdout?: string; stderr?: string; message: string }) => ({
          ok: false as const,
          output: `${error.message}\n${error.stdout ?? ""}\n${error.stderr ?? ""}`
        })
      )
      if (!synth.ok) return
      const manifest = JSON.parse(readFileSync(join(outdir, "manifest.json"), "utf8"))
      stacks = Object.entries(manifest.artifacts as Record<string, Json>)
        .filter(([, artifact]) => artifact.type === "aws:cloudformation:stack")
        .map(([id, artifact]) => ({ id, environment: artifact.environment, templateFile: artifact.properties.templateFile }))
      const template = (region: string) => {
        const stack = stacks.find((stack) => stack.environment.endsWith(`/${region}`))!
        return Template.fromJSON(JSON.parse(readFileSync(join(outdir, stack.templateFile), "utf8")))
      }
      main = template("me-south-1")
      edge = template("us-east-1")
      resources = main.toJSON().Resources as Resources
    }, 300_000)

    afterAll(() => rmSync(outdir, { recursive: true, force: true }))

    const ofType = (type: string) => Object.entries(resources).filter(([, resource]) => resource.Type === type)

    it("synthesises offline, every cdk-nag AwsSolutions finding acknowledged with a reason", () => {
      // A finding without an acknowledgement fails synth (cdk-nag v3 is a CDK validation plugin).
      expect(synth.ok ? "" : synth.output.slice(0, 4000)).toBe("")
      const manifest = JSON.parse(readFileSync(join(outdir, "manifest.json"), "utf8"))
      // No context lookups were asked for (they would need an AWS account).
      expect(manifest.missing ?? []).toEqual([])
      expect(stacks.map((stack) => stack.environment.split("/").pop()).sort()).toEqual(["me-south-1", "us-east-1"])
      const report = JSON.parse(readFileSync(join(outdir, "validation-report.json"), "utf8"))
      const plugins = new Map<string, Json>(report.pluginReports.map((plugin: Json) => [plugin.pluginName, plugin]))
      // cdk-nag reports only failures; CDK's own CloudFormation schema check reports either way.
      expect(plugins.get("AwsSolutions")).toBeUndefined()
      expect(plugins.get("CloudFormation Validate")?.conclusion).toBe("success")
      // Every acknowledged AwsSolutions finding says why, in a sentence.
      const acknowledged = stacks.flatMap((stack) =>
        Object.values(
          JSON.parse(readFileSync(join(outdir, `${stack.id}.metadata.json`), "utf8")) as Array<Array<{ type: string; data: Json }>>
        )
          .flat()
          .filter((entry) => entry.type === "aws:cdk:acknowledged-rules")
          .flatMap((entry) => Object.entries(entry.data as Record<string, string>))
          .filter(([rule]) => rule.includes("AwsSolutions-"))
      )
      expect(acknowledged.length).toBeGreaterThan(10)
      // MFA is required at Cognito itself (the app answers MFA_SETUP): nothing excuses the pool's MFA finding.
      expect(acknowledged.filter(([rule]) => rule.includes("COG2"))).toEqual([])
      for (const [rule, reason] of acknowledged) expect(reason.length, rule).toBeGreaterThan(40)
    })

    it("has a VPC over two zones with the tasks and data in private subnets", () => {
      const subnets = ofType("AWS::EC2::Subnet").map(([, subnet]) => subnet.Properties)
      expect(new Set(subnets.map((subnet) => subnet.AvailabilityZone))).toEqual(new Set(["me-south-1a", "me-south-1b"]))
      expect(subnets.filter((subnet) => subnet.MapPublicIpOnLaunch === true)).toHaveLength(2)
      for (const [, service] of ofType("AWS::ECS::Service"))
        expect(service.Properties.NetworkConfiguration.AwsvpcConfiguration.AssignPublicIp).toBe("DISABLED")
      main.hasResourceProperties("AWS::RDS::DBSubnetGroup", { SubnetIds: Match.anyValue() })
      main.resourceCountIs("AWS::EC2::FlowLog", 1)
    })

    it("runs api, web and worker on Fargate, scaled on CPU and (api, web) on requests behind the ALBs", () => {
      const services = ofType("AWS::ECS::Service").map(([, service]) => service.Properties)
      expect(services.map((service) => service.ServiceName).sort()).toEqual(["api", "web", "worker"])
      for (const service of services) expect(service.LaunchType).toBe("FARGATE")
      const policies = ofType("AWS::ApplicationAutoScaling::ScalingPolicy").map(
        ([, policy]) => policy.Properties.TargetTrackingScalingPolicyConfiguration
      )
      const metrics = policies.map((policy) => policy.PredefinedMetricSpecification.PredefinedMetricType)
      expect(metrics.filter((metric) => metric === "ECSServiceAverageCPUUtilization")).toHaveLength(3)
      expect(metrics.filter((metric) => metric === "ALBRequestCountPerTarget")).toHaveLength(2)
      main.resourceCountIs("AWS::ElasticLoadBalancingV2::LoadBalancer", 2)
      main.hasResourceProperties("AWS::ElasticLoadBalancingV2::Listener", { Protocol: "HTTPS", SslPolicy: Match.stringLikeRegexp("TLS13") })
    })

    it("keeps Postgres 16 Multi-AZ, encrypted, backed up, deletion-protected, TLS-only, with Performance Insights and timeouts", () => {
      main.hasResourceProperties("AWS::RDS::DBInstance", {
        Engine: "postgres",
        EngineVersion: "16",
        MultiAZ: true,
        StorageEncrypted: true,
        KmsKeyId: Match.anyValue(),
        DeletionProtection: true,
        EnablePerformanceInsights: true,
        PerformanceInsightsKMSKeyId: Match.anyValue(),
        PubliclyAccessible: false
      })
      const [[, db]] = ofType("AWS::RDS::DBInstance") as [[string, Resources[string]]]
      expect(db.Properties.BackupRetentionPeriod).toBeGreaterThanOrEqual(7)
      expect(db.DeletionPolicy).toBe("Snapshot")
      main.hasResourceProperties("AWS::RDS::DBParameterGroup", {
        Family: "postgres16",
        Parameters: Match.objectLike({ "rds.force_ssl": "1", statement_timeout: Match.stringLikeRegexp("^[1-9][0-9]*$") })
      })
    })

    it("keeps Redis in cluster mode with TLS, AUTH from Secrets Manager and encryption at rest", () => {
      main.hasResourceProperties("AWS::ElastiCache::ReplicationGroup", {
        CacheParameterGroupName: "default.redis7.cluster.on",
        NumNodeGroups: Match.anyValue(),
        TransitEncryptionEnabled: true,
        AtRestEncryptionEnabled: true,
        KmsKeyId: Match.anyValue(),
        MultiAZEnabled: true,
        AuthToken: Match.objectLike({
          "Fn::Join": Match.arrayWith([Match.arrayWith([Match.stringLikeRegexp("^\\{\\{resolve:secretsmanager:")])])
        })
      })
    })

    it("encrypts everything at rest: buckets, secrets, logs, the alarm topic", () => {
      for (const [, bucket] of ofType("AWS::S3::Bucket"))
        expect(bucket.Properties.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault.SSEAlgorithm).toMatch(
          /^(aws:kms|AES256)$/
        )
      const media = ofType("AWS::S3::Bucket").find(([, bucket]) => bucket.Properties.CorsConfiguration !== undefined)![1]
      expect(media.Properties.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault.SSEAlgorithm).toBe(
        "aws:kms"
      )
      const secrets = ofType("AWS::SecretsManager::Secret")
      expect(secrets.length).toBeGreaterThanOrEqual(10)
      for (const [, secret] of secrets) expect(secret.Properties.KmsKeyId).toBeDefined()
      const groups = ofType("AWS::Logs::LogGroup")
      expect(groups.length).toBeGreaterThanOrEqual(6)
      for (const [, group] of groups) {
        expect(group.Properties.KmsKeyId).toBeDefined()
        expect(group.Properties.RetentionInDays).toBeGreaterThanOrEqual(30)
      }
      for (const [, topic] of ofType("AWS::SNS::Topic")) expect(topic.Properties.KmsMasterKeyId).toBeDefined()
      main.hasResourceProperties("AWS::KMS::Key", { EnableKeyRotation: true })
    })

    it("has no public bucket: all public access blocked, TLS only, media versioned with lifecycle rules and CORS for presigned POST", () => {
      const buckets = ofType("AWS::S3::Bucket")
      expect(buckets).toHaveLength(2)
      for (const [id, bucket] of buckets) {
        expect(bucket.Properties.PublicAccessBlockConfiguration).toEqual({
          BlockPublicAcls: true,
          BlockPublicPolicy: true,
          IgnorePublicAcls: true,
          RestrictPublicBuckets: true
        })
        expect(bucket.Properties.VersioningConfiguration).toEqual({ Status: "Enabled" })
        expect(bucket.DeletionPolicy).toBe("Retain")
        const policy = ofType("AWS::S3::BucketPolicy").find(([, policy]) => policy.Properties.Bucket.Ref === id)
        expect(policy, `bucket ${id} has a TLS-only policy`).toBeDefined()
        expect(policy![1].Properties.PolicyDocument.Statement).toContainEqual(
          expect.objectContaining({ Effect: "Deny", Condition: { Bool: { "aws:SecureTransport": "false" } } })
        )
        for (const statement of policy![1].Properties.PolicyDocument.Statement) expect(statement.Principal).not.toEqual("*")
      }
      main.hasResourceProperties("AWS::S3::Bucket", {
        CorsConfiguration: { CorsRules: [Match.objectLike({ AllowedMethods: Match.arrayWith(["POST"]) })] },
        LifecycleConfiguration: {
          Rules: Match.arrayWith([Match.objectLike({ AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 } })])
        }
      })
    })

    it("caches public pages and GET /api/v1/public/* keyed on Host, and never the dashboard, sign-in or event streams", () => {
      const [[policyId, policy]] = ofType("AWS::CloudFront::CachePolicy") as [[string, Resources[string]]]
      const parameters = policy.Properties.CachePolicyConfig.ParametersInCacheKeyAndForwardedToOrigin
      expect(parameters.HeadersConfig).toEqual({ HeaderBehavior: "whitelist", Headers: ["Host"] })
      const [[, distribution]] = ofType("AWS::CloudFront::Distribution") as [[string, Resources[string]]]
      const config = distribution.Properties.DistributionConfig
      expect(config.DefaultCacheBehavior.CachePolicyId).toEqual({ Ref: policyId })
      const behaviors = new Map<string, Json>(config.CacheBehaviors.map((behavior: Json) => [behavior.PathPattern, behavior]))
      expect(behaviors.get("/api/v1/public/*").CachePolicyId).toEqual({ Ref: policyId })
      for (const path of ["/dashboard*", "/en/dashboard*", "/admin*", "/signin*", "/assistant*", "/api/v1/public/assistant/*", "/api/*"]) {
        expect(behaviors.get(path)?.CachePolicyId, path).toBe(CACHING_DISABLED)
      }
      for (const path of UNCACHED_PATHS) expect(behaviors.get(path).CachePolicyId).toBe(CACHING_DISABLED)
      // First match wins: the assistant's streams before the cached public API.
      const order = config.CacheBehaviors.map((behavior: Json) => behavior.PathPattern)
      expect(order.indexOf("/api/v1/public/assistant/*")).toBeLessThan(order.indexOf("/api/v1/public/*"))
      expect(config.ViewerCertificate.MinimumProtocolVersion).toBe("TLSv1.2_2021")
      expect(config.Origins[0].CustomOriginConfig.OriginProtocolPolicy).toBe("https-only")
    })

    it("attaches the WAF (made in us-east-1) to CloudFront, with the managed groups and per-IP rate rules", () => {
      const [[, distribution]] = ofType("AWS::CloudFront::Distribution") as [[string, Resources[string]]]
      const webAclId = JSON.stringify(distribution.Properties.DistributionConfig.WebACLId)
      expect(webAclId).toMatch(/ExportsReader/)
      edge.hasResourceProperties("Custom::CrossRegionExportWriter", {
        WriterProps: { exports: Match.objectLike({}), region: "me-south-1" }
      })
      const writer = JSON.stringify(edge.findResources("Custom::CrossRegionExportWriter"))
      const [aclId] = Object.keys(edge.findResources("AWS::WAFv2::WebACL"))
      expect(writer).toContain(`"${aclId}","Arn"`)
      const [acl] = Object.values(edge.findResources("AWS::WAFv2::WebACL")) as Array<{ Properties: Json }>
      expect(acl!.Properties.Scope).toBe("CLOUDFRONT")
      const managed = acl!.Properties.Rules.flatMap((rule: Json) => rule.Statement.ManagedRuleGroupStatement?.Name ?? [])
      expect(managed.sort()).toEqual(
        [
          "AWSManagedRulesAmazonIpReputationList",
          "AWSManagedRulesBotControlRuleSet",
          "AWSManagedRulesCommonRuleSet",
          "AWSManagedRulesKnownBadInputsRuleSet",
          "AWSManagedRulesSQLiRuleSet"
        ].sort()
      )
      const rated = acl!.Properties.Rules.filter((rule: Json) => rule.Statement.RateBasedStatement !== undefined)
      expect(rated.map((rule: Json) => rule.Name).sort()).toEqual(["RateCapture", "RateChat", "RateSignIn"])
      for (const rule of rated) expect(rule.Statement.RateBasedStatement.AggregateKeyType).toBe("IP")
      expect(JSON.stringify(rated.find((rule: Json) => rule.Name === "RateSignIn"))).toContain("/api/v1/auth/")
      // Telegram's webhook is not a browser: Bot Control is scoped away from it.
      const bots = acl!.Properties.Rules.find((rule: Json) => rule.Name === "AWSManagedRulesBotControlRuleSet")
      expect(JSON.stringify(bots.Statement.ManagedRuleGroupStatement.ScopeDownStatement.NotStatement)).toContain("/api/v1/public/telegram/")
    })

    it("passes secrets to tasks by reference only, and sets only configuration keys the app reads", () => {
      const read = [
        sourceText(join(root, "apps/api/src")),
        sourceText(join(root, "apps/worker/src")),
        sourceText(join(root, "apps/web/src")),
        ...readdirSync(join(root, "packages")).map((pkg) => {
          try {
            return sourceText(join(root, "packages", pkg, "src"))
          } catch {
            return ""
          }
        }),
        // adapter-node's own variables (PORT, PROTOCOL_HEADER, ADDRESS_HEADER, XFF_DEPTH).
        sourceText(join(root, "apps/web/node_modules/@sveltejs/adapter-node/files"))
      ].join("\n")
      const tasks = ofType("AWS::ECS::TaskDefinition")
      expect(tasks).toHaveLength(4)
      for (const [, task] of tasks) {
        for (const container of task.Properties.ContainerDefinitions) {
          const environment: Array<{ Name: string; Value: unknown }> = container.Environment ?? []
          for (const { Name, Value } of environment) {
            expect(SECRET_KEYS, `${Name} is plain environment`).not.toContain(Name)
            expect(JSON.stringify(Value)).not.toMatch(/resolve:secretsmanager/)
            if (Name !== "NODE_ENV")
              expect(
                [`"${Name}"`, `'${Name}'`, `env.${Name}`].some((form) => read.includes(form)),
                `${Name} is read by the app`
              ).toBe(true)
          }
          for (const secret of container.Secrets ?? []) {
            expect(SECRET_KEYS).toContain(secret.Name)
            expect(JSON.stringify(secret.ValueFrom)).toMatch(/"Ref":"|:secretsmanager:/)
          }
        }
      }
      // ElastiCache runs with cluster mode on: every task that reaches Redis connects as a cluster client.
      for (const [, task] of tasks) {
        const container = task.Properties.ContainerDefinitions[0]
        const environment = (container.Environment as Array<{ Name: string; Value: string }>).find((e) => e.Name === "REDIS_CLUSTER")
        expect(environment?.Value, `${container.Name} has REDIS_CLUSTER`).toBe("true")
      }
      const api = tasks.find(([, task]) => task.Properties.ContainerDefinitions[0].Name === "api")![1].Properties.ContainerDefinitions[0]
      expect(api.Secrets.map((secret: Json) => secret.Name).sort()).toEqual(
        ["ANTHROPIC_API_KEY", "DATABASE_URL", "OPENAI_API_KEY", "REDIS_URL", "TELEGRAM_BOT_TOKEN"].sort()
      )
      // The one-off ops task: the worker image's CLI, migrating by default, the only holder of the owner and admin URLs.
      const ops = tasks.find(([, task]) => task.Properties.ContainerDefinitions[0].Name === "ops")![1].Properties.ContainerDefinitions[0]
      expect(ops.Command).toEqual(["node", "--import", "tsx", "cli/src/main.ts", "migrate"])
      expect(JSON.stringify(ops.Image)).toContain("manara/worker")
      expect(ops.Secrets.map((secret: Json) => secret.Name).sort()).toEqual(
        ["DATABASE_ADMIN_URL", "DATABASE_OWNER_URL", "DATABASE_URL", "REDIS_URL"].sort()
      )
      for (const [, task] of tasks)
        if (task.Properties.ContainerDefinitions[0].Name !== "ops")
          for (const secret of task.Properties.ContainerDefinitions[0].Secrets ?? [])
            expect(["DATABASE_OWNER_URL", "DATABASE_ADMIN_URL"]).not.toContain(secret.Name)
    })

    it("connects to Postgres over verified TLS: every task holding a database URL has DATABASE_CA=rds, and no URL carries an sslmode", () => {
      const tasks = ofType("AWS::ECS::TaskDefinition")
      const withDatabase = tasks
        .map(([, task]) => task.Properties.ContainerDefinitions[0])
        .filter((container: Json) => (container.Secrets ?? []).some((secret: Json) => secret.Name === "DATABASE_URL"))
      expect(withDatabase.map((container: Json) => container.Name).sort()).toEqual(["api", "ops", "worker"])
      for (const container of withDatabase)
        expect(container.Environment, container.Name).toContainEqual({ Name: "DATABASE_CA", Value: "rds" })
      const urls = ofType("AWS::SecretsManager::Secret").filter(([, secret]) =>
        JSON.stringify(secret.Properties.SecretString ?? "").includes("postgres://")
      )
      expect(urls).toHaveLength(3)
      for (const [id, secret] of urls) expect(JSON.stringify(secret.Properties.SecretString), id).not.toMatch(/ssl/i)
    })

    it("has a staff user pool with TOTP required, threat protection and a web client without a secret, and a mail identity", () => {
      main.hasResourceProperties("AWS::Cognito::UserPool", {
        DeletionProtection: "ACTIVE",
        MfaConfiguration: "ON",
        EnabledMfas: ["SOFTWARE_TOKEN_MFA"],
        UserPoolAddOns: { AdvancedSecurityMode: "ENFORCED" },
        // The product's own sign-up and invitation acceptance call SignUp, which a closed pool refuses.
        AdminCreateUserConfig: { AllowAdminCreateUserOnly: false },
        AutoVerifiedAttributes: ["email"]
      })
      main.hasResourceProperties("AWS::Cognito::UserPoolClient", { GenerateSecret: false, AuthSessionValidity: 15 })
      main.resourceCountIs("AWS::SES::EmailIdentity", 1)
    })

    it("guards the pool's public API with a regional WAF: per-IP rate rules on the calls that email a code or try a password, the app's NAT addresses spared, managed groups", () => {
      const [poolId] = Object.keys(main.findResources("AWS::Cognito::UserPool"))
      const [aclId, acl] = Object.entries(main.findResources("AWS::WAFv2::WebACL", { Properties: { Scope: "REGIONAL" } }))[0] as [
        string,
        Json
      ]
      main.hasResourceProperties("AWS::WAFv2::WebACLAssociation", {
        ResourceArn: { "Fn::GetAtt": [poolId, "Arn"] },
        WebACLArn: { "Fn::GetAtt": [aclId, "Arn"] }
      })
      expect(acl.Properties.DefaultAction).toEqual({ Allow: {} })
      const rules = new Map<string, Json>(acl.Properties.Rules.map((rule: Json) => [rule.Name, rule]))
      const targets = (rule: Json): Array<string> => JSON.stringify(rule).match(/AWSCognitoIdentityProviderService\.\w+/g) ?? []
      const [ipSetId, ipSet] = Object.entries(main.findResources("AWS::WAFv2::IPSet"))[0] as [string, Json]
      expect(ipSet.Properties.Scope).toBe("REGIONAL")
      // One /32 per NAT gateway's elastic IP: the app's own calls for everyone come from there.
      const eips = Object.keys(main.findResources("AWS::EC2::EIP"))
      expect(eips.length).toBeGreaterThan(0)
      expect(JSON.stringify(ipSet.Properties.Addresses)).toEqual(
        JSON.stringify(eips.map((eip) => ({ "Fn::Join": ["", [{ "Fn::GetAtt": [eip, "PublicIp"] }, "/32"]] })))
      )
      for (const [name, operations, limit] of [
        ["RateCognitoMail", ["SignUp", "ResendConfirmationCode", "ForgotPassword"], 20],
        ["RateCognitoAuth", ["InitiateAuth", "RespondToAuthChallenge", "ConfirmSignUp", "ConfirmForgotPassword"], 100]
      ] as const) {
        const rule = rules.get(name)
        expect(rule?.Action, name).toEqual({ Block: {} })
        const rate = rule.Statement.RateBasedStatement
        expect(rate).toMatchObject({ AggregateKeyType: "IP", Limit: limit, EvaluationWindowSec: 300 })
        expect(
          targets(rule)
            .map((target) => target.split(".")[1])
            .sort()
        ).toEqual([...operations].sort())
        const [, spared] = rate.ScopeDownStatement.AndStatement.Statements
        expect(spared).toEqual({ NotStatement: { Statement: { IPSetReferenceStatement: { Arn: { "Fn::GetAtt": [ipSetId, "Arn"] } } } } })
      }
      const managed = acl.Properties.Rules.flatMap((rule: Json) => rule.Statement.ManagedRuleGroupStatement?.Name ?? [])
      expect(managed.sort()).toEqual([
        "AWSManagedRulesAmazonIpReputationList",
        "AWSManagedRulesCommonRuleSet",
        "AWSManagedRulesKnownBadInputsRuleSet"
      ])
    })

    it("alarms on 5xx rate, p99 latency, database, outbox age, dead letters and AI spend, and has a dashboard", () => {
      const names = ofType("AWS::CloudWatch::Alarm").map(([, alarm]) => alarm.Properties.AlarmName as string)
      for (const alarm of ["5xx-rate", "p99-latency", "db-connections", "db-cpu", "outbox-backlog-age", "dead-letters", "ai-spend-budget"])
        expect(names).toContain(`manara-${name}-${alarm}`)
      for (const metric of [
        CUSTOM_METRICS.outboxOldestPendingSeconds,
        CUSTOM_METRICS.outboxDeadLetters,
        CUSTOM_METRICS.aiSpendBudgetUsedPercent
      ])
        main.hasResourceProperties("AWS::CloudWatch::Alarm", { Namespace: CUSTOM_METRICS.namespace, MetricName: metric })
      for (const [, alarm] of ofType("AWS::CloudWatch::Alarm")) expect(alarm.Properties.AlarmActions).toHaveLength(1)
      main.resourceCountIs("AWS::CloudWatch::Dashboard", 1)
    })

    it("the worker's embedded-metric lines are what the custom alarms watch: namespace, name, dimension and its value", () => {
      const worker = ofType("AWS::ECS::TaskDefinition").find(([, task]) => task.Properties.ContainerDefinitions[0].Name === "worker")![1]
      const environment = (worker.Properties.ContainerDefinitions[0].Environment as Array<{ Name: string; Value: string }>).find(
        (variable) => variable.Name === "METRICS_ENVIRONMENT"
      )?.Value
      expect(environment).toBe(name)
      const custom = ofType("AWS::CloudWatch::Alarm").filter(
        ([, alarm]) => alarm.Properties.Namespace !== undefined && !String(alarm.Properties.Namespace).startsWith("AWS/")
      )
      expect(custom.map(([, alarm]) => alarm.Properties.MetricName).sort()).toEqual(
        [CUSTOM_METRICS.aiSpendBudgetUsedPercent, CUSTOM_METRICS.outboxDeadLetters, CUSTOM_METRICS.outboxOldestPendingSeconds].sort()
      )
      for (const [, alarm] of custom) {
        const { Namespace, MetricName, Dimensions } = alarm.Properties as {
          Namespace: string
          MetricName: string
          Dimensions: Array<{ Name: string; Value: string }>
        }
        // What the worker prints (apps/worker/src/Metrics.ts), as CloudWatch Logs reads it.
        const line = JSON.parse(emfLine(environment!, { [MetricName]: 1 }))
        const directive = line._aws.CloudWatchMetrics[0]
        expect(directive.Namespace).toBe(Namespace)
        expect(directive.Metrics.map((metric: { Name: string }) => metric.Name)).toEqual([MetricName])
        expect(directive.Dimensions).toEqual([Dimensions.map((dimension) => dimension.Name)])
        for (const dimension of Dimensions) expect(line[dimension.Name]).toBe(dimension.Value)
        expect(line[MetricName]).toBe(1)
      }
    })
  })
