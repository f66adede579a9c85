import { defineProject } from "vitest/config"
import { timeouts } from "../../vitest.timeouts.js"

// Each test renders PDFs and runs pdftotext: seconds on a busy 2-core machine.
export default defineProject({ test: { name: "@manara/receipts", include: ["test/**/*.test.ts"], ...timeouts } })
