/** A tiny app with a careless bucket, checked with the app's cdk-nag wiring: its synth must fail (stack.staging.test.ts). */
import { App, Stack } from "aws-cdk-lib"
import * as s3 from "aws-cdk-lib/aws-s3"
import { withNagChecks } from "../src/app.js"

const app = new App()
new s3.Bucket(new Stack(app, "Careless"), "Open")
withNagChecks(app).synth()
