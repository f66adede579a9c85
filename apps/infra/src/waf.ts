import type * as wafv2 from "aws-cdk-lib/aws-wafv2"

/** CloudWatch metrics and sampled requests for a WebACL or one of its rules. */
export const visibility = (metricName: string): wafv2.CfnWebACL.VisibilityConfigProperty => ({
  cloudWatchMetricsEnabled: true,
  metricName,
  sampledRequestsEnabled: true
})

/** An AWS managed rule group, its own actions kept. */
export const managedRule = (
  priority: number,
  name: string,
  options: Omit<wafv2.CfnWebACL.ManagedRuleGroupStatementProperty, "name" | "vendorName"> = {}
): wafv2.CfnWebACL.RuleProperty => ({
  name,
  priority,
  overrideAction: { none: {} },
  statement: { managedRuleGroupStatement: { vendorName: "AWS", name, ...options } },
  visibilityConfig: visibility(name)
})

export const anyOf = (statements: Array<wafv2.CfnWebACL.StatementProperty>): wafv2.CfnWebACL.StatementProperty =>
  statements.length === 1 ? statements[0]! : { orStatement: { statements } }
