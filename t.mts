import { loadScenarioFile } from './src/harness/scenario/load.ts';
import { runScenario } from './src/harness/run/runScenario.ts';
const t0 = performance.now();
const r = await runScenario(loadScenarioFile('scenarios/hl7-interface-outage.yaml'));
console.log(r.result.outcome, r.result.traceHash, r.hl7, r.result.expectations, (performance.now()-t0)/1000, 's');
const r2 = await runScenario(loadScenarioFile('scenarios/hl7-interface-outage.yaml'));
console.log('same hash', r2.result.traceHash === r.result.traceHash, r2.hl7?.queued);
