import { App, Validations } from "aws-cdk-lib"
import nag from "cdk-nag"
import { acknowledgeFindings } from "./acknowledgements.js"
import { environmentFrom, type EnvironmentConfig } from "./config.js"
import { EdgeSecurityStack } from "./edge-security-stack.js"
import { ManaraStack } from "./manara-stack.js"

export interface ManaraApp {
  readonly app: App
  readonly config: EnvironmentConfig
  readonly edge: EdgeSecurityStack
  readonly main: ManaraStack
}

/**
 * The whole app for one environment: the WAF in us-east-1 and the main stack in the region, checked by
 * cdk-nag's AwsSolutions pack (a finding not acknowledged with a reason fails synth).
 */
export const buildApp = (app: App): ManaraApp => {
  const config = environmentFrom((key) => app.node.tryGetContext(key))
  // The region's zones, fixed like a cdk.context.json entry: the VPC checks its two against them, and synth must not look up.
  const zones = `availability-zones:account=${config.account}:region=${config.region}`
  if (app.node.tryGetContext(zones) === undefined)
    app.node.setContext(
      zones,
      ["a", "b", "c"].map((zone) => `${config.region}${zone}`)
    )
  const prefix = `Manara-${config.name === "production" ? "Production" : "Staging"}`
  const edge = new EdgeSecurityStack(app, `${prefix}-Edge`, {
    env: { account: config.account, region: "us-east-1" },
    config,
    crossRegionReferences: true,
    description: `Manara ${config.name}: WAF for CloudFront (us-east-1 only)`
  })
  const main = new ManaraStack(app, prefix, {
    env: { account: config.account, region: config.region },
    config,
    webAclArn: edge.webAcl.attrArn,
    crossRegionReferences: true,
    description: `Manara ${config.name}: network, compute, data, edge, identity, operations`
  })
  acknowledgeFindings(edge, main)
  withNagChecks(app)
  return { app, config, edge, main }
}

/** cdk-nag's AwsSolutions pack as a validation plugin: an unacknowledged finding fails synth. */
export const withNagChecks = (app: App): App => {
  Validations.of(app).addPlugins(new nag.AwsSolutionsChecks(app))
  return app
}
