/**
 * infusim as a library: the pure pump model and the pieces of the harness a test run needs.
 * See docs/api.md.
 */
export { Pump, statusFields, MAX_TICK_MS, type PumpOptions, type PumpStatus, type PumpTelemetry } from './sim/pump/pump.js';
export { LARGE_VOLUME_PUMP, SYRINGE_PUMP, PUMP_TYPES, pumpTypeById, roundRateMlPerH, type PumpType } from './sim/pump/pumpTypes.js';
export { Prng, hashToSigned } from './sim/time/prng.js';
export { ALARM_TABLE, ALARM_IDS, AUDIO_PAUSE_MS, type AlarmId, type AlarmPriority, type AlarmSpec } from './sim/alarms/alarmTable.js';
export { doseRateToMlPerH, mlPerHToDoseRate, parseDoseRateUnit, parseDoseAmountUnit } from './sim/dosing/doseUnits.js';
export { parseDrugLibrary, parseDrugLibraryText, DrugLibraryError, findCareArea, findDrug } from './sim/druglib/load.js';
export { drugLibrarySchema, LIBRARY_FORMAT, type DrugLibrary, type CareArea, type DrugEntry, type Limits } from './sim/druglib/schema.js';
export { EventLog, verifyChain, formatLogEntry, type LogEntry } from './sim/trace/eventLog.js';
export { formatEvent, type PumpEvent, type PumpState } from './sim/trace/events.js';
export { ERROR_CODES, type PumpCommand, type Reply, type ErrorCode, type SensorInput, type ProgramRequest } from './sim/protocol/commands.js';
export { parseRequest, formatCommand, formatReply, MAX_LINE_CHARS } from './sim/protocol/lineCodec.js';
export { LineSession } from './sim/session/lineSession.js';
export { simulateGravimetric, trumpetCurve, type TrumpetCurve } from './sim/trumpet/trumpet.js';
export { loadLibraryFile, DEFAULT_LIBRARY_PATH } from './harness/paths.js';
export { runHeparinDemo } from './harness/demo/heparinDemo.js';

// The harness: scenarios, runs, results, the world.
export { loadScenarioFile, parseScenarioText, ScenarioError, type LoadedScenario, type ScenarioProblem } from './harness/scenario/load.js';
export { defineScenario, type ScenarioInput } from './harness/scenario/define.js';
export { scenarioSchema, type Scenario, type TimelineEntry, type Expectation } from './harness/scenario/schema.js';
export { fleetPumps, resolveTarget, type FleetPump } from './harness/scenario/fleet.js';
export { runScenario, type RunOptions, type ScenarioRun, type Speed } from './harness/run/runScenario.js';
export type { RunResult, PumpSummary, AlarmRecord, Violation, ExpectationResult, NetworkStats } from './harness/run/result.js';
export { Trace, formatTraceRecord, type TraceRecord } from './harness/trace/trace.js';
export { World, type WorldPump } from './harness/world/world.js';
export { formatSummary } from './harness/report/summary.js';
export { renderHtmlReport } from './harness/report/html.js';
export { toJsonReport, formatJsonReport } from './harness/report/json.js';
export { checkPumpInvariants, InvariantObserver, RULES as PUMP_RULES } from './sim/safety/invariants.js';
export { GLOBAL_RULES } from './harness/safety/monitor.js';

// Firmware and drug library updates (pure), rollouts (harness), training.
export * from './sim/firmware/index.js';
export { RolloutOrchestrator, UpdateServer, type RolloutResult } from './harness/rollout/index.js';
export { compareRuns, compareFiles, comparePolicies, formatComparison, type RunComparison } from './harness/run/compare.js';
export { TrainingSession } from './harness/train/session.js';
export { loadTrainingFile } from './harness/train/schema.js';
