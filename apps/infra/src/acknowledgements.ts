import { type Stack, Validations } from "aws-cdk-lib"
import type { IConstruct } from "constructs"

/** The construct at `path` under `stack` (ids joined by "/"); a missing one is an error, never a silent no-op. */
const at = (stack: Stack, path: string): IConstruct => {
  let node: IConstruct = stack
  for (const id of path.split("/")) {
    const child = node.node.tryFindChild(id)
    if (child === undefined) throw new Error(`no construct ${stack.stackName}/${path} to acknowledge a finding on`)
    node = child
  }
  return node
}

const acknowledge = (stack: Stack, paths: Array<string>, id: string, reason: string) => {
  for (const path of paths) Validations.of(at(stack, path)).acknowledge({ id, reason })
}

/** Each cdk-nag (AwsSolutions) finding we accept, on the construct it concerns, with the reason in one line. */
export const acknowledgeFindings = (_edge: Stack, main: Stack): void => {
  const account = main.account
  const region = main.region
  const backend = ["ApiTask/TaskRole", "WorkerTask/TaskRole"]
  acknowledge(
    main,
    ["DatabaseAppLogin", "DatabaseOwnerLogin", "Database/Secret", "DatabaseUrl", "DatabaseOwnerUrl", "DatabaseAdminUrl"],
    "AwsSolutions-SMG4",
    "The app reads URL-form values composed at deploy; rotation follows docs/ops/infrastructure.md (new login, redeploy, drop old)."
  )
  acknowledge(
    main,
    ["RedisAuthToken", "RedisUrl"],
    "AwsSolutions-SMG4",
    "ElastiCache AUTH rotation is a two-step ROTATE/SET on the replication group, run by hand per the runbook, not a Lambda."
  )
  acknowledge(
    main,
    ["TelegramBotToken", "AiProviderKeys"],
    "AwsSolutions-SMG4",
    "Third-party tokens (Telegram, AI providers) are issued by those services and cannot be rotated by Secrets Manager."
  )
  acknowledge(
    main,
    ["OriginVerify"],
    "AwsSolutions-SMG4",
    "Rotating the CloudFront origin header needs both sides redeployed together; done by the runbook."
  )
  acknowledge(
    main,
    ["Database"],
    "AwsSolutions-RDS11",
    "A non-default port is obscurity, not a control: the database has no public address and one security group."
  )
  acknowledge(
    main,
    ["Redis"],
    "AwsSolutions-AEC5",
    "A non-default port is obscurity, not a control: Redis is in isolated subnets behind TLS and AUTH."
  )
  acknowledge(
    main,
    ["PublicLbSg"],
    "AwsSolutions-EC23",
    "Without the CloudFront prefix list id in context, 443 is open but every request lacking CloudFront's secret origin header gets 403."
  )
  acknowledge(
    main,
    ["Edge"],
    "AwsSolutions-CFR1",
    "Storefronts serve donors wherever they are (Kuwaitis abroad give too); WAF's IP reputation and rate rules do the filtering."
  )
  acknowledge(
    main,
    ["ApiTask", "WorkerTask", "WebTask", "OpsTask"],
    "AwsSolutions-ECS2",
    "Only non-secret settings are plain environment variables; every secret is an ECS secret read from Secrets Manager by ARN."
  )
  acknowledge(
    main,
    ["ApiTask/ExecutionRole", "WorkerTask/ExecutionRole", "WebTask/ExecutionRole", "OpsTask/ExecutionRole"],
    "AwsSolutions-IAM5[Resource::*]",
    "ecr:GetAuthorizationToken has no resource-level permissions; it must be granted on *."
  )
  acknowledge(
    main,
    backend,
    `AwsSolutions-IAM5[Resource::<${mediaId(main)}.Arn>/*]`,
    "Media objects are keyed per tenant under one bucket; the role needs every key."
  )
  acknowledge(
    main,
    backend,
    `AwsSolutions-IAM5[Resource::arn:aws:ses:${region}:${account}:identity/*]`,
    "Tenants send from the platform domain or their own verified identities, added after deploy."
  )
  acknowledge(
    main,
    backend,
    `AwsSolutions-IAM5[Resource::arn:aws:secretsmanager:${region}:${account}:secret:manara/tenant/*]`,
    "A tenant's bot token is secret://manara/tenant/<id>/telegram, made when the tenant links a bot; only that prefix is readable."
  )
}

/** The logical id CloudFormation gives the media bucket, as cdk-nag names it in a finding. */
const mediaId = (main: Stack): string => main.getLogicalId(at(main, "Media/Resource") as never)
