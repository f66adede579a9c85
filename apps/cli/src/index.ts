export { seedDemoTraffic, seedTraffic, type TrafficSeed } from "./Traffic.js"
