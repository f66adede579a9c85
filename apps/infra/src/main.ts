/** `cdk synth -c env=staging|production` (cdk.json runs this file). */
import { App } from "aws-cdk-lib"
import { buildApp } from "./app.js"

buildApp(new App()).app.synth()
