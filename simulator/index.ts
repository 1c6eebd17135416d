/** The simulator's public surface for tests, benchmarks and the CLI. */
export { startSimulator } from './start';
export { Simulator, SimulatorFleet } from './simulator';
export type { SimulatorOptions, RuntimeOptions, AdminVehiclePatch } from './simulator';
export { DEMO_CLIENT, DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, type Client, type IssuedToken } from './tokens';
export { FAILURE_KINDS, type FailureKind } from './faults';
export { REFERENCE_IOT_CODE, DEFAULT_FIRMWARE, type Vehicle, type VehiclePatch } from './fleet';
export type { RouteSpec, Waypoint, RouteEnd, ActiveRoute } from './riding';
export type { RecordedRequest, Stats } from './recorder';
export { encodeForm, signParams, pushUrl, type PushOverrides, type PushRecord, type PushAttempt, type SignedPush } from './pushes';
export { ADMIN_ENDPOINTS } from './admin';
