/** The rollout orchestrator and its world (docs/rollout.md). What-if comparisons run scenarios: src/harness/run/compare.ts. */
export { RolloutOrchestrator, matchesFilter, planWaves, RETRY_MS, TICK_MS, type FleetMember, type HealthSample, type RolloutPort } from './orchestrator.js';
export { buildLibraryPackages, buildReleases, factoryManifest, TAMPER_KINDS, UpdateServer, vendorKeys, type BuiltRelease, type ReleaseDef, type TamperKind, type VendorKeys } from './releases.js';
export { hasUpdates, alarmsPerPumpHour, loadPolicyFile, rolloutPlan, RolloutRuntime, type RolloutResult, type VersionPoint } from './runtime.js';
export { renderVersionChart, rolloutHtmlSection, rolloutSummaryLines } from './report.js';
export * from './types.js';
