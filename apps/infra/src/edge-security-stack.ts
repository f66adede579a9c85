import { CfnOutput, Stack, type StackProps } from "aws-cdk-lib"
import * as wafv2 from "aws-cdk-lib/aws-wafv2"
import type { Construct } from "constructs"
import type { EnvironmentConfig } from "./config.js"
import { anyOf, managedRule, visibility } from "./waf.js"

/**
 * The WAF WebACL for CloudFront. A CLOUDFRONT-scoped WebACL can only be created in us-east-1, so it
 * lives in this small stack there; the main stack in me-south-1 reads its ARN through CDK's
 * `crossRegionReferences` (an SSM parameter written here and read there at deploy time).
 */
export class EdgeSecurityStack extends Stack {
  readonly webAcl: wafv2.CfnWebACL

  constructor(scope: Construct, id: string, props: StackProps & { readonly config: EnvironmentConfig }) {
    super(scope, id, props)
    const prefix = `manara-${props.config.name}`
    const path = (
      positionalConstraint: "STARTS_WITH" | "CONTAINS" | "EXACTLY",
      searchString: string
    ): wafv2.CfnWebACL.StatementProperty => ({
      byteMatchStatement: {
        fieldToMatch: { uriPath: {} },
        positionalConstraint,
        searchString,
        textTransformations: [{ priority: 0, type: "LOWERCASE" }]
      }
    })
    const post: wafv2.CfnWebACL.StatementProperty = {
      byteMatchStatement: {
        fieldToMatch: { method: {} },
        positionalConstraint: "EXACTLY",
        searchString: "POST",
        textTransformations: [{ priority: 0, type: "NONE" }]
      }
    }
    // Per client IP, over 5 minutes, POSTs only: reading pages is not limited here, writing is.
    const rateLimited = (
      priority: number,
      name: string,
      limit: number,
      paths: Array<wafv2.CfnWebACL.StatementProperty>
    ): wafv2.CfnWebACL.RuleProperty => ({
      name,
      priority,
      action: { block: { customResponse: { responseCode: 429 } } },
      statement: {
        rateBasedStatement: {
          limit,
          evaluationWindowSec: 300,
          aggregateKeyType: "IP",
          scopeDownStatement: { andStatement: { statements: [post, anyOf(paths)] } }
        }
      },
      visibilityConfig: visibility(name)
    })

    this.webAcl = new wafv2.CfnWebACL(this, "WebAcl", {
      name: `${prefix}-edge`,
      scope: "CLOUDFRONT",
      defaultAction: { allow: {} },
      visibilityConfig: visibility(`${prefix}-edge`),
      rules: [
        // Rate rules first: a flood is refused before the managed groups spend work on it.
        rateLimited(0, "RateSignIn", 100, [
          path("STARTS_WITH", "/signin"),
          path("STARTS_WITH", "/en/signin"),
          path("STARTS_WITH", "/api/v1/auth/")
        ]),
        rateLimited(1, "RateCapture", 300, [
          path("STARTS_WITH", "/donate"),
          path("STARTS_WITH", "/checkout"),
          path("STARTS_WITH", "/catalog/"),
          path("STARTS_WITH", "/en/donate"),
          path("STARTS_WITH", "/en/checkout"),
          path("STARTS_WITH", "/en/catalog/"),
          path("STARTS_WITH", "/api/v1/public/orders"),
          path("STARTS_WITH", "/api/v1/public/donations"),
          path("STARTS_WITH", "/api/v1/public/pledges")
        ]),
        rateLimited(2, "RateChat", 200, [
          path("STARTS_WITH", "/assistant"),
          path("STARTS_WITH", "/en/assistant"),
          path("STARTS_WITH", "/api/v1/public/assistant/")
        ]),
        managedRule(10, "AWSManagedRulesAmazonIpReputationList"),
        // Dashboard forms (long descriptions) pass 8 KB; the app limits bodies itself, so that one rule only counts.
        managedRule(11, "AWSManagedRulesCommonRuleSet", {
          ruleActionOverrides: [{ name: "SizeRestrictions_BODY", actionToUse: { count: {} } }]
        }),
        managedRule(12, "AWSManagedRulesKnownBadInputsRuleSet"),
        managedRule(13, "AWSManagedRulesSQLiRuleSet"),
        // Telegram's servers call the webhook with a non-browser client: Bot Control never sees that path.
        managedRule(14, "AWSManagedRulesBotControlRuleSet", {
          managedRuleGroupConfigs: [{ awsManagedRulesBotControlRuleSet: { inspectionLevel: "COMMON" } }],
          scopeDownStatement: { notStatement: { statement: path("STARTS_WITH", "/api/v1/public/telegram/") } }
        })
      ]
    })
    new CfnOutput(this, "WebAclArn", { value: this.webAcl.attrArn })
  }
}
