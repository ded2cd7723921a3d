/**
 * The layering of infusim's source (docs/architecture.md, "Layers"), checked by dependency-cruiser:
 * `npm run layers` (part of `npm test`). test/layers.test.ts shows each rule failing on a wrong import.
 *
 *   src/harness/cli      on top: every command; nothing imports it
 *   src/harness/*        everything with effects; folders import each other without cycles
 *   src/sim              the pump, pure: nothing from src/harness, no I/O module
 *
 * Type-only imports count (tsPreCompilationDeps): a type that crosses a layer ties the layers too.
 */

/** Node's modules that do no I/O and keep no time: the only ones src/sim may import. */
const PURE_CORE_MODULES = ['crypto'];
/** npm packages src/sim may import (pure: schemas). */
const SIM_PACKAGES = ['zod'];

module.exports = {
  forbidden: [
    {
      name: 'sim-imports-no-harness',
      comment: 'src/sim is the pure pump core: it knows nothing of the harness, the CLI or the package entry (docs/architecture.md).',
      severity: 'error',
      from: { path: '^src/sim/' },
      to: { path: '^src/', pathNot: '^src/sim/' },
    },
    {
      name: 'sim-imports-no-io',
      comment: `src/sim does no I/O and keeps no time: of node's modules only ${PURE_CORE_MODULES.join(', ')} (no fs, net, child_process, timers, worker_threads...).`,
      severity: 'error',
      from: { path: '^src/sim/' },
      to: { dependencyTypes: ['core'], pathNot: `^(node:)?(${PURE_CORE_MODULES.join('|')})$` },
    },
    {
      name: 'sim-imports-few-packages',
      comment: `src/sim imports only these packages: ${SIM_PACKAGES.join(', ')}.`,
      severity: 'error',
      from: { path: '^src/sim/' },
      to: { dependencyTypes: ['npm', 'npm-dev', 'npm-optional', 'npm-peer', 'npm-no-pkg', 'npm-unknown'], pathNot: `^node_modules/(${SIM_PACKAGES.join('|')})/` },
    },
    {
      name: 'cli-on-top',
      comment: 'src/harness/cli holds the commands and nothing else; no other source file imports it.',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/harness/cli/' },
      to: { path: '^src/harness/cli/' },
    },
    {
      name: 'no-folder-cycles',
      comment: 'Folders import each other in one direction only (a cycle means two folders are one).',
      severity: 'error',
      scope: 'folder',
      from: { path: '^src(/|$)' },
      to: { circular: true },
    },
    {
      name: 'not-to-unresolvable',
      comment: 'Every import resolves (a wrong path would hide a layering error).',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: '^node_modules' },
    // A worktree's node_modules may be a link to another checkout's: keep package paths as node_modules/<name>.
    preserveSymlinks: true,
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      mainFields: ['module', 'main', 'types', 'typings'],
    },
  },
};
