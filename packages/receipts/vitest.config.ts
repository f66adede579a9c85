import { defineProject } from "vitest/config"

// Each test renders PDFs and runs pdftotext: seconds on a busy 2-core machine (projects do not inherit the root's timeout).
export default defineProject({ test: { name: "@manara/receipts", include: ["test/**/*.test.ts"], testTimeout: 30_000 } })
