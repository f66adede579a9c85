export * from "./Kpis.js"
export * from "./Traffic.js"
export * from "./TrafficDays.js"
export * from "./Visit.js"

import type { InvalidKpiRange } from "./Kpis.js"
/** Every expected failure of analytics: the API maps each to a problem. */
export type AnalyticsError = InvalidKpiRange
