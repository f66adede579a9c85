export { seedDemoTraffic, seedTraffic, type TrafficSeed } from "./Traffic.js"
export { seedDemoWithBucket } from "./Tenants.js"
