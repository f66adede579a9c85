/** The CDK app's production environment (test/stack-suite.ts); one file per environment so the two synths run in parallel. */
import { describeEnvironment } from "./stack-suite.js"

describeEnvironment("production")
